"""Deals follow contract registrations: a registered contract that cites a deal closes it as
contracted and credits its broker. Connected to the contracts feature's signals (imported by the
app factory); runs inside the transaction that sent them. Contracts learn which deals they may
cite from here too, so that they need not import this feature."""

from marketplace.contracts.citations import cite_deals_from
from marketplace.contracts.models import TechContract
from marketplace.contracts.signals import contract_amended, contract_registered
from marketplace.deals.models import Deal
from marketplace.deals.services import on_contract_registered

cite_deals_from(Deal)


@contract_registered.connect
@contract_amended.connect
def close_cited_deal(contract: TechContract, **_) -> None:
    """An approved amendment may cite a deal the first registration did not; the call is idempotent."""
    if contract.deal_id:
        on_contract_registered(contract.deal_id, contract.id)
