"""The API's own objects: its entry point and the token's user."""

from marketplace.api.schemas.base import ApiModel, Boolean, Id, Text, choice
from marketplace.common.roles import Role


class ApiIndex(ApiModel):
    name: Text
    version: Text
    openapi: Text


class MeOrganisation(ApiModel):
    id: Id
    name: Text
    type: choice([role.value for role in Role])
    verified: Boolean


class Me(ApiModel):
    id: Id
    email: Text
    name: Text
    is_admin: Boolean
    role: choice([role.value for role in Role]) | None
    organisation: MeOrganisation | None
