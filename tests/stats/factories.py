"""Contract facts for statistics tests, created through the public upsert service."""

import itertools
from datetime import date

from marketplace.stats.facts import ContractFactData, upsert_contract_fact

_ids = itertools.count(1)


def fact_data(**kw) -> ContractFactData:
    """Return plausible data for one registered contract; keywords override any field."""
    n = kw.pop("contract_id", None) or next(_ids) + 100_000
    values = {
        "contract_id": n,
        "registration_number": f"2025130100010{n % 10000:04d}",
        "registered_on": date(2025, 3, 15),
        "contract_type": "development",
        "subtype": "commissioned",
        "technology_field": "电子信息",
        "seller_name": "河北科技大学",
        "seller_nature_code": "022",
        "buyer_name": "石家庄某制药有限公司",
        "buyer_region_code": "130104",
        "buyer_country": None,
        "district": "130104",
        "broker_name": None,
        "contract_amount_fen": 1_000_000_00,
        "technical_amount_fen": 800_000_00,
    }
    values.update(kw)
    return ContractFactData(**values)


def make_fact(**kw) -> ContractFactData:
    data = fact_data(**kw)
    upsert_contract_fact(data)
    return data
