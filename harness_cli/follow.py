"""Following a turn to its `turn.done`: resume after a dropped connection, and Ctrl-C as a cancel."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable
from typing import TextIO

import httpx

from generated.client import AuthenticatedClient, Client
from generated.client.api.agent_harness import cancel_session, get_turn
from generated.client.models import CancelSessionResponse, GetTurnResponse, TurnStateDone, TurnStateRunning
from harness_cli.api import ApiError, expect
from harness_cli.render import TerminalState, TurnPrinter
from harness_cli.streaming import StreamRequest, frames, subscribe_request

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a process stopped by Ctrl-C
RESUME_ATTEMPTS = 3
CANCEL_SEND_SECONDS = 3.0  # after a second Ctrl-C, how long the pending cancel request may still take


async def follow(
    client: AuthenticatedClient | Client,
    session_id: str,
    first: StreamRequest,
    printer: TurnPrinter,
    *,
    on_frame: Callable[[], None] | None = None,
) -> None:
    """Read the stream to `turn.done`. When the connection drops (or the server ends the stream early)
    once the turn's id is known, resume with `subscribeTurn` and `Last-Event-ID`: no gap, no repeat."""
    request = first
    failures = 0
    while True:
        received = 0
        try:
            async for frame in frames(client, request):
                failures = 0
                received += 1
                printer.show(frame)
                if on_frame is not None:
                    on_frame()
                if printer.finished:
                    return
        except (httpx.TransportError, httpx.DecodingError) as exc:
            if printer.turn_id is None or failures >= RESUME_ATTEMPTS:
                raise ApiError.transport(exc) from exc
        else:
            if not received and printer.turn_id is not None:
                # A resume after the last event ends at once; say how the turn ended rather than retry.
                ended = await _terminal_state(client, session_id, printer.turn_id)
                if ended is not None:
                    printer.already_ended(ended)
                    return
            if printer.turn_id is None or failures >= RESUME_ATTEMPTS:
                raise ApiError("the stream ended before the turn's turn.done")
        failures += 1
        print(f"(stream interrupted; resuming after event {printer.last_sequence_number})", file=sys.stderr)
        await asyncio.sleep(0.2 * failures)
        request = subscribe_request(session_id, printer.turn_id, last_event_id=printer.last_sequence_number)


async def _terminal_state(
    client: AuthenticatedClient | Client, session_id: str, turn_id: str
) -> TerminalState | None:
    state = expect(
        await get_turn.asyncio_detailed(session_id, turn_id, client=client), GetTurnResponse
    ).data.state
    return None if isinstance(state, TurnStateRunning) else state


def exit_code(printer: TurnPrinter) -> int:
    if isinstance(printer.state, TurnStateDone):
        return 0
    return 1  # error, or cancelled by someone else (a timeout, another client)


async def follow_cancelling_on_interrupt(
    client: AuthenticatedClient | Client,
    session_id: str,
    first: StreamRequest,
    printer: TurnPrinter,
    *,
    notices: TextIO = sys.stderr,
) -> int:
    """`follow`, where the first Ctrl-C cancels the turn through the API and keeps reading until the
    cancelled `turn.done` arrives (exit 130); a second Ctrl-C stops waiting."""
    loop = asyncio.get_running_loop()
    reader = asyncio.current_task()
    assert reader is not None
    interrupts = 0
    cancelling: asyncio.Task[None] | None = None

    async def cancel() -> None:
        try:
            expect(await cancel_session.asyncio_detailed(session_id, client=client), CancelSessionResponse)
        except ApiError as exc:
            print(f"cancel failed: {exc}", file=notices, flush=True)
        except httpx.HTTPError as exc:
            print(f"cancel failed: {ApiError.transport(exc)}", file=notices, flush=True)

    def start_cancel_once_the_turn_exists() -> None:
        nonlocal cancelling
        # Before `turn.created` the server may not hold the turn yet; a cancel then would find nothing.
        if interrupts and cancelling is None and printer.turn_id is not None:
            cancelling = asyncio.ensure_future(cancel())

    def on_interrupt() -> None:
        nonlocal interrupts
        interrupts += 1
        if interrupts == 1:
            print("\ncancelling the turn (Ctrl-C again to stop waiting)", file=notices, flush=True)
            start_cancel_once_the_turn_exists()
        else:
            reader.cancel()

    loop.add_signal_handler(signal.SIGINT, on_interrupt)
    try:
        await follow(client, session_id, first, printer, on_frame=start_cancel_once_the_turn_exists)
    except asyncio.CancelledError:
        if interrupts < 2:
            raise
        reader.uncancel()
        if cancelling is None:
            print(
                "stopped before the server named the turn, so it was not cancelled (it may still run: "
                "see `agent-harness sessions get`)",
                file=notices,
                flush=True,
            )
            return EXIT_INTERRUPTED
        # Closing the client now could drop the cancel before it is sent: give it a moment.
        await asyncio.wait([cancelling], timeout=CANCEL_SEND_SECONDS)
        said = "was answered" if cancelling.done() else "was sent, not yet answered"
        print(f"stopped waiting; the cancel request {said}", file=notices, flush=True)
        return EXIT_INTERRUPTED
    finally:
        loop.remove_signal_handler(signal.SIGINT)
    if cancelling is not None:
        # Its 200 means the terminal state is recorded, so it is answered by now or very soon.
        await asyncio.wait([cancelling], timeout=30)
    if interrupts:
        return EXIT_INTERRUPTED
    return exit_code(printer)


async def follow_until_interrupt(
    client: AuthenticatedClient | Client,
    session_id: str,
    first: StreamRequest,
    printer: TurnPrinter,
    *,
    notices: TextIO = sys.stderr,
) -> int:
    """`follow` for a watcher: Ctrl-C stops watching and leaves the turn running."""
    loop = asyncio.get_running_loop()
    reader = asyncio.current_task()
    assert reader is not None
    loop.add_signal_handler(signal.SIGINT, reader.cancel)
    try:
        await follow(client, session_id, first, printer)
    except asyncio.CancelledError:
        print("\nstopped watching; the turn goes on", file=notices, flush=True)
        return EXIT_INTERRUPTED
    finally:
        loop.remove_signal_handler(signal.SIGINT)
    return exit_code(printer)
