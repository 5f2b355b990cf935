//! The control API over HTTP, under `/_sim` (never under `/2.0`, so a client can never reach
//! it by accident): for tests that run the simulator in another process.
//!
//! | Method and path | Effect |
//! |---|---|
//! | `GET /_sim/health` | `ok` |
//! | `GET /_sim/state` | [`StateDump`](super::StateDump) |
//! | `POST /_sim/reset` | data set back to its start |
//! | `GET`, `DELETE /_sim/log` | request log / clear it |
//! | `GET`, `POST`, `DELETE /_sim/faults` | list / add (body: [`Fault`], answer `{"id"}`) / clear |
//! | `DELETE /_sim/faults/{id}` | remove one fault |
//! | `POST /_sim/release` | release hung requests (`{"released": n}`) |
//! | `GET /_sim/budget`, `PUT /_sim/budget` `{"limit": n or null}`, `POST /_sim/budget/reset` | request budget |
//! | `PUT /_sim/latency` `{"ms": n}` | latency per API request |
//! | `POST /_sim/keys` `{"workspace", "repository" or "project", "key", "label"}` | plant a key |
//! | `POST /_sim/last-used` `{"workspace", "repository" or "project", "id", "last_used"}` | set `last_used` |

use std::sync::Arc;
use std::time::Duration;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::control::{Control, ControlError, Home};
use super::faults::Fault;
use super::server::Shared;

/// The `/_sim` routes, to be nested under `/_sim`.
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/state", get(|c: Ctl| async move { Json(c.0.dump()) }))
        .route(
            "/reset",
            post(|c: Ctl| async move {
                c.0.reset_data();
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/log",
            get(|c: Ctl| async move { Json(c.0.log()) }).delete(|c: Ctl| async move {
                c.0.clear_log();
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/faults",
            get(|c: Ctl| async move { Json(c.0.faults()) })
                .post(|c: Ctl, Json(f): Json<Fault>| async move {
                    Json(json!({ "id": c.0.add_fault(f) }))
                })
                .delete(|c: Ctl| async move {
                    c.0.clear_faults();
                    StatusCode::NO_CONTENT
                }),
        )
        .route(
            "/faults/{id}",
            delete(|c: Ctl, Path(id): Path<u64>| async move {
                if c.0.remove_fault(id) {
                    StatusCode::NO_CONTENT
                } else {
                    StatusCode::NOT_FOUND
                }
            }),
        )
        .route(
            "/release",
            post(|c: Ctl| async move { Json(json!({ "released": c.0.release_all() })) }),
        )
        .route(
            "/budget",
            get(|c: Ctl| async move {
                let (used, limit) = c.0.budget();
                Json(json!({ "used": used, "limit": limit }))
            })
            .put(|c: Ctl, Json(b): Json<BudgetBody>| async move {
                c.0.set_budget(b.limit);
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/budget/reset",
            post(|c: Ctl| async move {
                c.0.reset_budget();
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/latency",
            axum::routing::put(|c: Ctl, Json(l): Json<LatencyBody>| async move {
                c.0.set_latency(Duration::from_millis(l.ms));
                StatusCode::NO_CONTENT
            }),
        )
        .route("/keys", post(plant_key))
        .route("/last-used", post(set_last_used))
}

/// Extracts a [`Control`] from the router state.
struct Ctl(Control);

impl axum::extract::FromRequestParts<Arc<Shared>> for Ctl {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        _parts: &mut axum::http::request::Parts,
        state: &Arc<Shared>,
    ) -> Result<Self, Self::Rejection> {
        Ok(Ctl(Control {
            shared: Arc::clone(state),
        }))
    }
}

#[derive(Deserialize)]
struct BudgetBody {
    limit: Option<u64>,
}

#[derive(Deserialize)]
struct LatencyBody {
    ms: u64,
}

#[derive(Deserialize)]
struct PlantBody {
    workspace: String,
    repository: Option<String>,
    project: Option<String>,
    key: String,
    #[serde(default)]
    label: String,
}

async fn plant_key(c: Ctl, Json(b): Json<PlantBody>) -> Response {
    let home = match (&b.repository, &b.project) {
        (Some(repo), None) => Home::Repo(&b.workspace, repo),
        (None, Some(project)) => Home::Project(&b.workspace, project),
        _ => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "give exactly one of repository and project",
            );
        }
    };
    match c.0.add_key_to(home, &b.key, &b.label) {
        Ok(key) => Json(key).into_response(),
        Err(e) => control_error(&e),
    }
}

#[derive(Deserialize)]
struct LastUsedBody {
    workspace: String,
    #[serde(default)]
    repository: Option<String>,
    #[serde(default)]
    project: Option<String>,
    id: u64,
    last_used: Option<String>,
}

async fn set_last_used(c: Ctl, Json(b): Json<LastUsedBody>) -> Response {
    let home = match (&b.repository, &b.project) {
        (Some(r), None) => Home::Repo(&b.workspace, r),
        (None, Some(p)) => Home::Project(&b.workspace, p),
        _ => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "name either a repository or a project",
            );
        }
    };
    match c.0.set_last_used_at(home, b.id, b.last_used.as_deref()) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => control_error(&e),
    }
}

fn control_error(e: &ControlError) -> Response {
    let status = match e {
        ControlError::NotFound(_) => StatusCode::NOT_FOUND,
        ControlError::InvalidKey | ControlError::Duplicate => StatusCode::BAD_REQUEST,
    };
    refuse(status, &e.to_string())
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}
