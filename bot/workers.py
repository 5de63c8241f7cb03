"""What each worker does besides answering updates, when several share one PostgreSQL.

One process on SQLite re-arms its holds at start-up and runs the reminder sweep itself
(`bot.app`). Workers sharing a database instead:

- run the hold sweep (`bot.runtime.hold_sweep`): any worker announces a hold whose own
  worker is gone, exactly once;
- compete for the reminder sender's lock (`bot.runtime.reminder_sender`): one worker at
  a time sweeps and sends reminders, and another takes over when it dies;
- do not re-arm every running hold at start-up (those belong to live workers, whose
  timers run; the sweep covers the dead ones), but close quietly, as one process does
  after a restart, those that ended longer ago than a live worker's sweep would have
  let pass: no worker was up when they ended.

Nothing else in a worker's memory matters (docs/scaling.md lists it): PTB's job queue
holds only this worker's own timers, the answered-buttons memory is about updates this
worker is handling, and content, the answer matcher and the place index are read-only.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from bot.config import Settings
from bot.handlers import holds
from bot.runtime import hold_sweep
from bot.runtime.deps import BotApp, BotContext, Deps
from bot.runtime.hold_sweep import HoldSweep
from bot.runtime.reminder_sender import ReminderSenderLease

_KEY = "shared-duties"


@dataclass(frozen=True, slots=True)
class SharedDuties:
    holds: HoldSweep
    reminders: ReminderSenderLease


async def start_shared_duties(app: BotApp, deps: Deps, settings: Settings) -> SharedDuties:
    """Close the holds no worker was up to announce, then start the hold sweep and the
    reminder sender's lease for this worker."""
    await holds.close_forgotten_holds(app, deps.now() - (hold_sweep.GRACE + hold_sweep.SWEEP_EVERY))
    context = BotContext(app)
    duties = SharedDuties(
        holds=HoldSweep(
            deps.routines,
            deps.clock,
            functools.partial(holds.take_over, context),
            functools.partial(holds.settle_abandoned, context),
        ),
        reminders=ReminderSenderLease(
            deps.db,
            deps.reminders,
            deps.clock.real_seconds(settings.reminder_sweep_seconds),
            also_recover=[deps.checkins.recover_interrupted],
            also_sweep=[deps.checkins.sweep_logged],
        ),
    )
    app.bot_data[_KEY] = duties
    duties.holds.start()
    await duties.reminders.start()
    return duties


def shared_duties(app: BotApp) -> SharedDuties | None:
    duties = app.bot_data.get(_KEY)
    return duties if isinstance(duties, SharedDuties) else None


async def stop_shared_duties(app: BotApp) -> None:
    """Stop sweeping holds; finish the reminders in flight and let go of the lock."""
    duties = app.bot_data.pop(_KEY, None)
    if isinstance(duties, SharedDuties):
        await duties.holds.stop()
        await duties.reminders.stop()
