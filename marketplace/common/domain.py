"""Reference lists: GB/T 2260 regions, the national technology-market fields, 主体性质 codes.

Sources: GB/T 2260 administrative division codes; the 技术领域 list and party-nature codes of the
national technology-contract registration statistics (技术合同认定登记); lists the bureau may correct.
docs/domain.md explains each list and names where it comes from.
"""

from marketplace.common.i18n import N_
from marketplace.common.roles import Role

SHIJIAZHUANG = "130100"

# GB/T 2260 codes of Shijiazhuang's districts and counties, plus the usual counterparts.
DISTRICTS = {
    "130100": N_("石家庄市（市本级）"),
    "130102": N_("长安区"),
    "130104": N_("桥西区"),
    "130105": N_("新华区"),
    "130107": N_("井陉矿区"),
    "130108": N_("裕华区"),
    "130109": N_("藁城区"),
    "130110": N_("鹿泉区"),
    "130111": N_("栾城区"),
    "130121": N_("井陉县"),
    "130123": N_("正定县"),
    "130125": N_("行唐县"),
    "130126": N_("灵寿县"),
    "130127": N_("高邑县"),
    "130128": N_("深泽县"),
    "130129": N_("赞皇县"),
    "130130": N_("无极县"),
    "130131": N_("平山县"),
    "130132": N_("元氏县"),
    "130133": N_("赵县"),
    "130181": N_("辛集市"),
    "130183": N_("晋州市"),
    "130184": N_("新乐市"),
}
OTHER_REGIONS = {"130000": N_("河北省（其他市）"), "110000": N_("北京市"), "120000": N_("天津市")}
REGIONS = {**DISTRICTS, **OTHER_REGIONS}

# 高新区 and the like have no GB/T 2260 code: they are a tag beside the district.
FUNCTIONAL_ZONES = {
    "high_tech": N_("石家庄高新技术产业开发区"),
    "circular_chem": N_("石家庄循环化工园区"),
    "bonded": N_("石家庄综合保税区"),
}

TECHNOLOGY_FIELDS = [
    N_("电子信息"),
    N_("航空航天"),
    N_("先进制造"),
    N_("生物、医药和医疗器械"),
    N_("新材料及其应用"),
    N_("新能源与高效节能"),
    N_("环境保护与资源综合利用"),
    N_("核应用"),
    N_("农业"),
    N_("现代交通"),
    N_("城市建设与社会发展"),
]

INDUSTRIES = [
    N_("生物医药"),
    N_("装备制造"),
    N_("石化/循环化工"),
    N_("电子信息"),
    N_("新材料"),
    N_("现代物流/商贸金融"),
]

# 主体性质 codes. The official form's list was not seen whole, so this is data the bureau may
# correct; codes are kept as strings because of their leading zeros.
NATURE_CODES = {
    "010": N_("机关法人"),
    "020": N_("事业法人"),
    "021": N_("科研机构"),
    "022": N_("高等院校"),
    "023": N_("医疗卫生机构"),
    "029": N_("其他事业法人"),
    "030": N_("社团法人"),
    "100": N_("内资企业"),
    "110": N_("国有企业"),
    "120": N_("集体企业"),
    "130": N_("股份合作企业"),
    "140": N_("联营企业"),
    "150": N_("有限责任公司"),
    "160": N_("股份有限公司"),
    "170": N_("私营企业"),
    "190": N_("其他内资企业"),
    "200": N_("港澳台商投资企业"),
    "300": N_("外商投资企业"),
    "400": N_("自然人"),
    "900": N_("其他"),
}

# The one label table of organisation types (the roles); forms, filters and templates read it.
ORG_TYPES = {
    Role.UNIVERSITY: N_("高等院校"),
    Role.INSTITUTE: N_("科研院所"),
    Role.ENTERPRISE: N_("企业"),
    Role.BROKER: N_("技术转移机构"),
    Role.BUREAU: N_("科技管理部门"),
}

# What each kind of organisation may do on the platform.
CAN_POST_PATENTS = frozenset({Role.UNIVERSITY, Role.INSTITUTE, Role.ENTERPRISE})
CAN_POST_RESULTS = frozenset({Role.UNIVERSITY, Role.INSTITUTE})
CAN_POST_DEMANDS = frozenset({Role.ENTERPRISE, Role.INSTITUTE})
CAN_FILE_CONTRACTS = frozenset({Role.BROKER, Role.UNIVERSITY, Role.INSTITUTE, Role.ENTERPRISE})
REVIEWERS = frozenset({Role.BUREAU})


def region_label(code: str | None) -> str:
    """Return the Chinese name of a region code, or the code itself when unknown."""
    if not code:
        return ""
    return REGIONS.get(code, code)
