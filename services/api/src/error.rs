//! The one API error type and its table of stable codes → HTTP statuses. A 5xx logs its cause
//! chain and tells the client nothing internal.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use gridflow_domain::DomainError;
use gridflow_domain::ports::StoreError;
use gridflow_engine::ServiceError;
use gridflow_engine::reference::ReferenceError;
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    MalformedJson,
    InvalidRequest,
    InvalidQuery,
    InvalidCaseId,
    PayloadTooLarge,
    Unauthenticated,
    InvalidCredentials,
    Forbidden,
    OutOfScope,
    CaseNotFound,
    CalendarNotFound,
    NotFound,
    MethodNotAllowed,
    InvalidTransition,
    VersionConflict,
    Contended,
    IdempotencyKeyReused,
    UnknownCategory,
    UnknownDepartment,
    UnknownHandler,
    UnknownFacility,
    ExtensionNotAllowed,
    InvalidReference,
    ReferenceConflict,
    CatalogueVersionInForce,
    CalendarVersionInForce,
    AlreadyExists,
    InUse,
    OutsideServiceArea,
    ValidationFailed,
    StoreUnavailable,
    Internal,
}

impl Code {
    /// The table: every code's wire name and status, in one place.
    pub fn spec(self) -> (&'static str, StatusCode) {
        use Code::*;
        match self {
            MalformedJson => ("malformed_json", StatusCode::BAD_REQUEST),
            InvalidRequest => ("invalid_request", StatusCode::UNPROCESSABLE_ENTITY),
            InvalidQuery => ("invalid_query", StatusCode::BAD_REQUEST),
            InvalidCaseId => ("invalid_case_id", StatusCode::BAD_REQUEST),
            PayloadTooLarge => ("payload_too_large", StatusCode::PAYLOAD_TOO_LARGE),
            Unauthenticated => ("unauthenticated", StatusCode::UNAUTHORIZED),
            InvalidCredentials => ("invalid_credentials", StatusCode::UNAUTHORIZED),
            Forbidden => ("forbidden", StatusCode::FORBIDDEN),
            OutOfScope => ("out_of_scope", StatusCode::FORBIDDEN),
            CaseNotFound => ("case_not_found", StatusCode::NOT_FOUND),
            CalendarNotFound => ("calendar_not_found", StatusCode::NOT_FOUND),
            NotFound => ("not_found", StatusCode::NOT_FOUND),
            MethodNotAllowed => ("method_not_allowed", StatusCode::METHOD_NOT_ALLOWED),
            InvalidTransition => ("invalid_transition", StatusCode::CONFLICT),
            VersionConflict => ("version_conflict", StatusCode::CONFLICT),
            Contended => ("contended", StatusCode::CONFLICT),
            IdempotencyKeyReused => ("idempotency_key_reused", StatusCode::UNPROCESSABLE_ENTITY),
            UnknownCategory => ("unknown_category", StatusCode::UNPROCESSABLE_ENTITY),
            UnknownDepartment => ("unknown_department", StatusCode::UNPROCESSABLE_ENTITY),
            UnknownHandler => ("unknown_handler", StatusCode::UNPROCESSABLE_ENTITY),
            ExtensionNotAllowed => ("extension_not_allowed", StatusCode::UNPROCESSABLE_ENTITY),
            UnknownFacility => ("unknown_facility", StatusCode::UNPROCESSABLE_ENTITY),
            InvalidReference => ("invalid_reference", StatusCode::UNPROCESSABLE_ENTITY),
            ReferenceConflict => ("reference_conflict", StatusCode::CONFLICT),
            CatalogueVersionInForce => ("catalogue_version_in_force", StatusCode::CONFLICT),
            CalendarVersionInForce => ("calendar_version_in_force", StatusCode::CONFLICT),
            AlreadyExists => ("already_exists", StatusCode::CONFLICT),
            InUse => ("in_use", StatusCode::CONFLICT),
            OutsideServiceArea => ("outside_service_area", StatusCode::UNPROCESSABLE_ENTITY),
            ValidationFailed => ("validation_failed", StatusCode::UNPROCESSABLE_ENTITY),
            StoreUnavailable => ("store_unavailable", StatusCode::SERVICE_UNAVAILABLE),
            Internal => ("internal", StatusCode::INTERNAL_SERVER_ERROR),
        }
    }

    pub const ALL: [Code; 32] = [
        Code::MalformedJson,
        Code::InvalidRequest,
        Code::InvalidQuery,
        Code::InvalidCaseId,
        Code::PayloadTooLarge,
        Code::Unauthenticated,
        Code::InvalidCredentials,
        Code::Forbidden,
        Code::OutOfScope,
        Code::CaseNotFound,
        Code::CalendarNotFound,
        Code::NotFound,
        Code::MethodNotAllowed,
        Code::InvalidTransition,
        Code::VersionConflict,
        Code::Contended,
        Code::IdempotencyKeyReused,
        Code::UnknownCategory,
        Code::UnknownDepartment,
        Code::UnknownHandler,
        Code::UnknownFacility,
        Code::ExtensionNotAllowed,
        Code::InvalidReference,
        Code::ReferenceConflict,
        Code::CatalogueVersionInForce,
        Code::CalendarVersionInForce,
        Code::AlreadyExists,
        Code::InUse,
        Code::OutsideServiceArea,
        Code::ValidationFailed,
        Code::StoreUnavailable,
        Code::Internal,
    ];
}

#[derive(Debug)]
pub struct ApiError {
    pub code: Code,
    pub message: String,
    /// Extra machine-readable detail (e.g. every problem of a rejected import).
    pub details: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    problems: Option<&'a serde_json::Value>,
}

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into(), details: None }
    }

    pub fn with_problems(mut self, problems: serde_json::Value) -> ApiError {
        self.details = Some(problems);
        self
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.spec().0, self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.spec().1
    }

    fn error_response(&self) -> HttpResponse {
        let (code, status) = self.code.spec();
        HttpResponse::build(status).json(Body { code, message: &self.message, problems: self.details.as_ref() })
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> ApiError {
        let code = match &e {
            DomainError::InvalidTransition { .. } => Code::InvalidTransition,
            DomainError::Forbidden { .. } => Code::Forbidden,
            DomainError::OutOfScope => Code::OutOfScope,
            DomainError::Invalid(_) => Code::ValidationFailed,
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::Unavailable(_) => {
                tracing::error!(error = %e, "store unavailable");
                ApiError::new(Code::StoreUnavailable, "the database is unavailable; retry shortly")
            }
            StoreError::VersionConflict => ApiError::new(Code::VersionConflict, e.to_string()),
            other => {
                tracing::error!(error = %other, "store failure");
                ApiError::new(Code::Internal, "internal error; see the server log")
            }
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> ApiError {
        let msg = e.to_string();
        match e {
            ServiceError::Domain(d) => d.into(),
            ServiceError::Store(s) => s.into(),
            ServiceError::NotFound(_) => ApiError::new(Code::CaseNotFound, msg),
            ServiceError::StaleVersion { .. } => ApiError::new(Code::VersionConflict, msg),
            ServiceError::Contended => ApiError::new(Code::Contended, msg),
            ServiceError::UnknownCategory(_) => ApiError::new(Code::UnknownCategory, msg),
            ServiceError::UnknownDepartment(_) => ApiError::new(Code::UnknownDepartment, msg),
            ServiceError::UnknownHandler { .. } => ApiError::new(Code::UnknownHandler, msg),
            ServiceError::ExtensionNotAllowed(_) => ApiError::new(Code::ExtensionNotAllowed, msg),
            ServiceError::OutsideServiceArea { .. } => ApiError::new(Code::OutsideServiceArea, msg),
            ServiceError::IdempotencyMismatch => ApiError::new(Code::IdempotencyKeyReused, msg),
        }
    }
}

impl From<ReferenceError> for ApiError {
    fn from(e: ReferenceError) -> ApiError {
        let msg = e.to_string();
        match e {
            ReferenceError::Invalid(problems) => ApiError::new(Code::InvalidReference, msg)
                .with_problems(serde_json::to_value(problems).unwrap_or_default()),
            ReferenceError::UnknownKind(_) => ApiError::new(Code::NotFound, msg),
            ReferenceError::Conflict { .. } => ApiError::new(Code::ReferenceConflict, msg),
            ReferenceError::VersionInForce { .. } => ApiError::new(Code::CatalogueVersionInForce, msg),
            ReferenceError::Store(s) => s.into(),
        }
    }
}

/// Parses a JSON body, telling malformed JSON (400) from well-formed but wrong content (422).
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => ApiError::new(Code::InvalidRequest, e.to_string()),
        _ => ApiError::new(Code::MalformedJson, format!("the body is not valid JSON: {e}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_snake_case_and_4xx_unless_server_side() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let (name, status) = code.spec();
            assert!(seen.insert(name), "duplicate code {name}");
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{name}");
            let server_side = matches!(code, Code::StoreUnavailable | Code::Internal);
            assert_eq!(status.is_server_error(), server_side, "{name}");
        }
    }
}
