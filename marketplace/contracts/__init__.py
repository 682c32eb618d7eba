"""技术合同认定登记: filing technology contracts, bureau review, registration numbers.

For other features:
- `services.registered_contracts_query()` selects (TechContract, ContractRevision) for every
  registered, not cancelled contract with the revision that counts (its amounts, type, field,
  parties); an amendment under review does not change the figures until it is approved.
- `signals.contract_registered`, `contract_amended` and `contract_cancelled` are sent, with the
  contract as sender, inside the transaction that registers a contract, approves its amendment or
  cancels it; connect to them (as stats and deals do in their `subscribers.py`) to follow along.
- `TechContract.deal_id` is a plain nullable integer for the deals feature to point at.
- `models.CONTRACT_TYPES` and `models.SUBTYPE_LABELS` are the one table of contract type labels.
"""
