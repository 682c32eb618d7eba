from tests.permission_roles import MEMBERS

RULES = {
    "notices.index": ("GET", "/notices/", MEMBERS),
    "notices.open_notice": ("POST", "/notices/999999/open", MEMBERS),
    "notices.read_all": ("POST", "/notices/read-all", MEMBERS),
}
