//! A response as plain data, so faults can rewrite it after the request was processed.

use axum::body::{Body, Bytes};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Status, headers and body of one simulated answer.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl Reply {
    /// A JSON body.
    pub(crate) fn json(status: u16, value: &Value) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Bytes::from(serde_json::to_vec(value).unwrap_or_default()),
        }
    }

    /// The error envelope of §4 with just a message.
    pub(crate) fn error(status: u16, message: &str) -> Reply {
        Reply::error_object(status, json!({ "message": message }))
    }

    /// The error envelope of §4 around `error` (message, detail, data, fields).
    pub(crate) fn error_object(status: u16, error: Value) -> Reply {
        Reply::json(status, &json!({ "type": "error", "error": error }))
    }

    /// `404 Not found`, with an explanation in `detail` as the real service often gives.
    pub(crate) fn not_found(detail: &str) -> Reply {
        Reply::error_object(404, json!({ "message": "Not found", "detail": detail }))
    }

    /// The bare `403 Forbidden` of a repository or project the user does not administer.
    pub(crate) fn forbidden() -> Reply {
        Reply::error(403, "Forbidden")
    }

    /// A plain-text body.
    pub(crate) fn text(status: u16, content_type: &str, body: impl Into<Bytes>) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// No body at all (204).
    pub(crate) fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// Adds a header.
    pub(crate) fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The body as JSON, if it is JSON.
    pub(crate) fn json_body(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Replaces the body with `value`, keeping status and headers.
    pub(crate) fn with_json_body(mut self, value: &Value) -> Reply {
        self.body = Bytes::from(serde_json::to_vec(value).unwrap_or_default());
        self
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        for (name, value) in self.headers {
            if let (Ok(name), Ok(value)) =
                (HeaderName::try_from(name), HeaderValue::try_from(value))
            {
                headers.append(name, value);
            }
        }
        response
    }
}
