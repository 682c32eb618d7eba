"""技术合同认定登记: filing technology contracts, bureau review, registration numbers.

For other features:
- `services.registered_contracts_query()` selects (TechContract, ContractRevision) for every
  registered, not cancelled contract with the revision that counts (its amounts, type, field,
  parties); an amendment under review does not change the figures until it is approved.
- `services.on_registration_change(contract)` is called inside the transaction whenever a contract
  is registered, its amendment approved, or it is cancelled; replace its body to update counters.
- `TechContract.deal_id` is a plain nullable integer for the deals feature to point at.
"""
