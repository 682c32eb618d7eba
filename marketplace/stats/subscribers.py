"""Statistics follow contract registrations: one fact per registered contract, at the revision that
counts. Connected to the contracts feature's signals; runs inside the transaction that sent them."""

from marketplace.contracts.models import TechContract
from marketplace.contracts.payload import registrant_side
from marketplace.contracts.signals import contract_amended, contract_cancelled, contract_registered
from marketplace.stats.facts import ContractFactData, remove_contract_fact, upsert_contract_fact


def contract_fact(contract: TechContract) -> ContractFactData:
    """Describe a registered contract for the statistics, at its registered revision."""
    revision = contract.registered_revision
    seller, buyer = revision.party("seller"), revision.party("buyer")
    registrant = revision.party(registrant_side(revision))
    broker_org = contract.broker.organisation if contract.broker is not None else None
    return ContractFactData(
        contract_id=contract.id,
        registration_number=contract.registration_number or "",
        registered_on=contract.registered_on,
        contract_type=revision.contract_type,
        subtype=revision.subtype,
        technology_field=revision.technology_field,
        seller_name=seller.name,
        seller_org_id=revision.seller_org_id,
        seller_nature_code=seller.nature_code,
        buyer_name=buyer.name,
        buyer_org_id=revision.buyer_org_id,
        buyer_region_code=None if buyer.is_foreign else buyer.region_code,
        buyer_country=revision.buyer_country,
        district=registrant.region_code,
        broker_org_id=broker_org.id if broker_org is not None else None,
        broker_name=broker_org.name if broker_org is not None else None,
        registration_point_id=contract.point_id,
        demand_id=revision.demand_id,
        contract_amount_fen=revision.contract_amount_fen,
        technical_amount_fen=revision.technical_amount_fen,
    )


@contract_registered.connect
@contract_amended.connect
def count_contract(contract: TechContract, **_) -> None:
    """A registration, or an approved amendment, replaces the contract's fact."""
    upsert_contract_fact(contract_fact(contract))


@contract_cancelled.connect
def stop_counting_contract(contract: TechContract, **_) -> None:
    """A cancelled registration no longer counts."""
    remove_contract_fact(contract.id)
