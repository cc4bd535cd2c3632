//! One error type for the API and pages: a status, a stable code, a message and the field.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use jiayuan_domain::FieldError;
use jiayuan_store::StoreError;
use serde::Serialize;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code: `invalid`, `not_found`, `conflict`, `internal`, …
    pub code: String,
    pub message: String,
    /// The request field at fault, when there is one.
    pub field: Option<String>,
}

impl ApiError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "invalid",
            message: message.into(),
            field: Some(field.to_string()),
        }
    }

    /// 503: the server is overloaded; the answer carries `Retry-After`.
    pub fn busy(message: impl Into<String>) -> Self {
        Self { status: StatusCode::SERVICE_UNAVAILABLE, code: "busy", message: message.into(), field: None }
    }

    /// 409: the request clashes with what is there (a taken key, a stale version).
    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        Self { status: StatusCode::CONFLICT, code: "conflict", message: message.into(), field: Some(field.to_string()) }
    }

    /// 413: the body is larger than this endpoint takes.
    pub fn too_large() -> Self {
        Self {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "too_large",
            message: "请求体过大 (request body too large)".into(),
            field: Some("body".into()),
        }
    }

    pub fn not_found() -> Self {
        Self { status: StatusCode::NOT_FOUND, code: "not_found", message: "未找到 (not found)".into(), field: None }
    }

    pub fn unauthorized(message: &str) -> Self {
        Self { status: StatusCode::UNAUTHORIZED, code: "unauthorized", message: message.into(), field: None }
    }

    /// The principal lacks the permission everywhere. Decided before any object is read, so
    /// it says nothing about whether an object exists.
    pub fn forbidden(p: jiayuan_domain::access::Permission) -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            code: "forbidden",
            message: format!("没有“{}”权限 (not permitted: {})", p.label_zh(), p.as_str()),
            field: None,
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message.clone(),
                field: self.field.clone(),
            },
        }
    }
}

/// The body of a JSON request, or an error naming it: 413 when too large, 400 otherwise.
pub fn json_body<T>(body: Result<axum::Json<T>, axum::extract::rejection::JsonRejection>) -> Result<T, ApiError> {
    body.map(|axum::Json(b)| b).map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                code: "too_large",
                message: "请求体过大 (request body too large)".into(),
                field: Some("body".into()),
            }
        } else {
            ApiError::invalid("body", format!("请求体不是有效的JSON (invalid JSON body): {}", e.body_text()))
        }
    })
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        Self { status: StatusCode::BAD_REQUEST, code: "invalid", message: e.message, field: Some(e.field) }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::not_found(),
            StoreError::Forbidden(p) => Self::forbidden(p),
            StoreError::Invalid(f) => f.into(),
            StoreError::Missing(f) => Self { field: Some(f.field), message: f.message, ..Self::not_found() },
            StoreError::Conflict { field, message } => Self::conflict(&field, message),
            StoreError::Busy(message) => Self::busy(message),
            StoreError::Ledger(rows) => Self {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "invalid_ledger",
                message: rows
                    .iter()
                    .take(50)
                    .map(|r| format!("第{}行[{}]: {}", r.row, r.column, r.message))
                    .collect::<Vec<_>>()
                    .join("; "),
                field: Some("file".into()),
            },
            other => {
                // The cause goes to the log; the client gets no SQL or internals.
                tracing::error!(error = %other, "internal error");
                Self {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    code: "internal",
                    message: "服务器内部错误 (internal error)".into(),
                    field: None,
                }
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, Json(self.body())).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("1"));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiayuan_domain::access::Permission;

    #[test]
    fn store_errors_map_to_their_statuses() {
        let cases: Vec<(StoreError, StatusCode, Option<&str>)> = vec![
            (StoreError::NotFound, StatusCode::NOT_FOUND, None),
            (StoreError::Forbidden(Permission::ViewPeople), StatusCode::FORBIDDEN, None),
            (StoreError::invalid("code", "bad"), StatusCode::BAD_REQUEST, Some("code")),
            (StoreError::missing("within", "none"), StatusCode::NOT_FOUND, Some("within")),
            (
                StoreError::Conflict { field: "username".into(), message: "taken".into() },
                StatusCode::CONFLICT,
                Some("username"),
            ),
            (StoreError::Busy("wait".into()), StatusCode::SERVICE_UNAVAILABLE, None),
            (
                StoreError::Ledger(vec![jiayuan_store::error::RowError {
                    row: 2,
                    column: "姓名".into(),
                    message: "缺少".into(),
                }]),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("file"),
            ),
            (StoreError::WrongKey, StatusCode::INTERNAL_SERVER_ERROR, None),
        ];
        for (e, status, field) in cases {
            let a = ApiError::from(e);
            assert_eq!(a.status, status, "{}", a.code);
            assert_eq!(a.field.as_deref(), field, "{}", a.code);
            assert!(!a.message.is_empty());
        }
        let r = ApiError::busy("x").into_response();
        assert_eq!(r.headers()[axum::http::header::RETRY_AFTER], "1", "503 says when to come back");
        assert_eq!(ApiError::too_large().status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(ApiError::conflict("version", "stale").field.as_deref(), Some("version"));
    }
}
