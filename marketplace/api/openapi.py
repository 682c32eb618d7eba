"""The OpenAPI 3.1 document at /api/v1/openapi.json, generated from the API's pydantic models.

Feature APIs describe each operation with `operation(...)`, naming the models of its body, query
and answer; the component schemas are those models' JSON Schema, the same models that check
the requests. Error answers are listed per operation with the codes the handlers can return.
"""

from typing import Any

from flask import jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from marketplace.api.core import bp
from marketplace.api.schemas.base import ApiModel, choice
from marketplace.api.schemas.core import ApiIndex, Me
from marketplace.common.errors import HTTP_CODES
from marketplace.common.validators import MAX_ID

ERROR_NAMES = {
    400: "请求无效",
    401: "未认证",
    403: "无权限",
    404: "不存在",
    405: "不支持该请求方法",
    409: "状态冲突",
    413: "文件过大",
    415: "不支持的文件类型",
    422: "数据校验失败",
    429: "过于频繁",
}


class ErrorDetail(ApiModel):
    REQUIRED = ("code", "message")

    code: choice(sorted(set(HTTP_CODES.values()))) | None = None
    message: str | None = None
    fields: dict[str, str] | None = None


class Error(ApiModel):
    """错误统一为 {"error": {"code", "message", "fields"?}}；fields 按字段路径给出中文说明。"""

    REQUIRED = ("error",)

    error: ErrorDetail | None = None


_MODELS: dict[str, type[BaseModel]] = {"Error": Error}
_PATHS: dict[str, dict] = {}


def ref(model: type[BaseModel]) -> dict:
    """A reference to a model's component schema (registering the model)."""
    _MODELS[model.__name__] = model
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def json_content(model: type[BaseModel]) -> dict:
    return {"application/json": {"schema": ref(model)}}


def id_param(name: str) -> dict:
    """A path id: a database key, so 1..MAX_ID (others are 404)."""
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    }


def page_params(max_per_page: int = 100) -> list[dict]:
    """page and per_page: integers; like the site's pages, a value out of range is clamped and one
    that is not a number falls back to the default, so any text is accepted."""
    lenient = {"type": "string", "description": "其他取值按默认处理"}
    return [
        {
            "name": "page",
            "in": "query",
            "description": "页码，默认 1",
            "schema": {"anyOf": [{"type": "integer", "minimum": 1}, lenient]},
        },
        {
            "name": "per_page",
            "in": "query",
            "description": f"每页条数，默认 20，最多 {max_per_page}",
            "schema": {"anyOf": [{"type": "integer", "minimum": 1, "maximum": max_per_page}, lenient]},
        },
    ]


def query_params(model: type[BaseModel]) -> list[dict]:
    """The query parameters a model declares, as OpenAPI parameters."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    params = []
    for name, prop in schema.get("properties", {}).items():
        options = prop.pop("anyOf", None)
        if options:
            prop.update(next(option for option in options if option != {"type": "null"}))
        description = prop.pop("description", None)
        param = {"name": name, "in": "query", "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


def error_responses(*statuses: int) -> dict:
    return {
        str(status): {"description": ERROR_NAMES.get(status, "错误"), **json_content(Error)}
        for status in sorted(set(statuses))
    }


def operation(
    summary: str,
    *,
    status: int = 200,
    response: type[BaseModel] | None = None,
    response_content: dict | None = None,
    response_description: str = "OK",
    body: type[BaseModel] | None = None,
    body_content: dict | None = None,
    query: type[BaseModel] | None = None,
    params: list[dict] = (),
    errors: tuple[int, ...] = (),
    public: bool = False,
    optional_token: bool = False,
    description: str | None = None,
) -> dict:
    """One operation of the document.

    Every operation can answer 422 (a NUL character anywhere in the request); one that takes a token
    also 401; one with a JSON body also 400 (a body that is not a JSON object).
    """
    content = response_content or (json_content(response) if response else None)
    answer: dict[str, Any] = {"description": response_description}
    if content:
        answer["content"] = content
    codes = {422, *errors}
    if not public:
        codes.add(401)
    if body is not None:
        codes.add(400)
    op: dict[str, Any] = {"summary": summary}
    if description:
        op["description"] = description
    if public:
        op["security"] = []
    elif optional_token:
        op["security"] = [{}, {"bearer": []}]
    all_params = [*params, *(query_params(query) if query else [])]
    if all_params:
        op["parameters"] = all_params
    if body is not None or body_content:
        op["requestBody"] = {
            "required": True,
            "content": {**(json_content(body) if body else {}), **(body_content or {})},
        }
    op["responses"] = {str(status): answer, **error_responses(*codes)}
    return op


def add_paths(paths: dict[str, dict]) -> None:
    """Add a feature's operations ({path: {method: operation}}) to the document."""
    _PATHS.update(paths)


add_paths(
    {
        "/api/v1/": {"get": operation("API 入口", response=ApiIndex, public=True)},
        "/api/v1/openapi.json": {
            "get": operation(
                "本文档",
                public=True,
                response_description="OpenAPI 3.1 文档",
                response_content={"application/json": {"schema": {"type": "object"}}},
            )
        },
        "/api/v1/me": {
            "get": operation("令牌所属用户及其单位", response=Me, response_description="当前用户")
        },
    }
)


def components() -> dict:
    """Every model the operations name, as JSON Schema by name."""
    _, top = models_json_schema(
        [(model, "validation") for model in _MODELS.values()], ref_template="#/components/schemas/{model}"
    )
    return top.get("$defs", {})


def build_spec() -> dict:
    """The whole document: info, security, the operations and the models they name."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "石家庄科技成果转化服务广场 API",
            "version": "1.0.0",
            "description": "个人 API 令牌在“个人中心”创建，以 Authorization: Bearer <令牌> 发送。"
            "金额一律为整数，单位为分：0 至 10^17 的 JSON 整数（文本形式的数字不接受）；编号为 1 至 2147483647 "
            "的 JSON 整数。请求体按各自的模式检查：未声明的字段、应为文本处给了列表或对象、小数、NaN、"
            "Infinity、超长数字和无效字符（孤立的代理码位）均返回 422 validation_error，fields 指明字段。"
            "请求中任何位置含空字符（\\0）均返回 422。模式只描述数据的形状：必填、取值、日期先后、校验位等业务"
            "规则由服务检查，不符时同样返回 422 并在 fields 中说明。"
            '错误统一为 {"error": {"code", "message"}}。',
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": components(),
        },
        "security": [{"bearer": []}],
        "paths": dict(_PATHS),
    }


@bp.route("/openapi.json")
def openapi():
    return jsonify(build_spec())
