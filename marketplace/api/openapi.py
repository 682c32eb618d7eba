"""The OpenAPI 3 document at /api/v1/openapi.json, assembled from each feature's part."""

from flask import jsonify

from marketplace.api.core import bp

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {
                    "type": "string",
                    "enum": [
                        "bad_request",
                        "unauthorized",
                        "forbidden",
                        "not_found",
                        "method_not_allowed",
                        "conflict",
                        "validation_error",
                        "rate_limited",
                        "payload_too_large",
                        "unsupported_media_type",
                        "internal_error",
                    ],
                },
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}


def error_responses(*statuses: int) -> dict:
    """Standard error responses for an operation."""
    names = {
        400: "请求无效",
        401: "未认证",
        403: "无权限",
        404: "不存在",
        409: "状态冲突",
        422: "数据校验失败",
        429: "过于频繁",
    }
    return {
        str(s): {
            "description": names.get(s, "错误"),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for s in statuses
    }


CORE_PATHS = {
    "/api/v1/": {"get": {"summary": "API 入口", "security": [], "responses": {"200": {"description": "OK"}}}},
    "/api/v1/openapi.json": {
        "get": {"summary": "本文档", "security": [], "responses": {"200": {"description": "OpenAPI 3 文档"}}}
    },
    "/api/v1/me": {
        "get": {
            "summary": "令牌所属用户及其单位",
            "responses": {"200": {"description": "当前用户"}, **error_responses(401)},
        }
    },
}

# Feature modules register their paths and schemas here when their blueprint is set up.
FEATURE_PARTS: list[dict] = []


def components() -> dict:
    """Every schema the features declared, by name (what API bodies are checked against)."""
    schemas = {"Error": ERROR_SCHEMA}
    for part in FEATURE_PARTS:
        schemas.update(part.get("schemas", {}))
    return schemas


def build_spec() -> dict:
    """Merge the core and the features' paths into one OpenAPI document."""
    paths = dict(CORE_PATHS)
    for part in FEATURE_PARTS:
        paths.update(part.get("paths", {}))
    schemas = components()
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "石家庄科技成果转化服务广场 API",
            "version": "1.0.0",
            "description": "个人 API 令牌在“个人中心”创建，以 Authorization: Bearer <令牌> 发送。"
            "金额一律为整数，单位为分：0 至 10^17 的 JSON 整数（文本形式的数字不接受）；编号为 1 至 2147483647 "
            "的 JSON 整数。请求体按各自的模式检查：未声明的字段、应为文本处给了列表或对象、小数、NaN、"
            "Infinity、超长数字和无效字符（孤立的代理码位）均返回 422 validation_error，fields 指明字段。"
            '错误统一为 {"error": {"code", "message"}}。',
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }


@bp.route("/openapi.json")
def openapi():
    return jsonify(build_spec())
