"""What happens to a contract that other features care about, announced instead of called.

Contracts sit below stats and deals: they must not know who listens. Each signal is sent with the
contract as its sender, inside the transaction that made the change, so a receiver's writes commit
or roll back with it. Receivers connect in `marketplace/<feature>/subscribers.py`, imported by the
app factory so that every process (web, CLI, tests) has them.
"""

from blinker import Namespace

_signals = Namespace()

# A contract was registered for the first time: it has a registration number and counts.
contract_registered = _signals.signal("contract-registered")
# An amendment of a registered contract was approved: its registered revision was replaced.
contract_amended = _signals.signal("contract-amended")
# A registered contract was cancelled (注销): it no longer counts.
contract_cancelled = _signals.signal("contract-cancelled")
