//! The contract's JSON Schemas, embedded, compiled once, and applied.
//!
//! Each file in `schemas/` describes one shape of the document and refers to
//! the others by relative path. Here they are registered under one base URI,
//! so the same relative references resolve without touching the disk or the
//! network, and compiled with `format` checking on (in draft 2020-12 `format`
//! is only an annotation unless asked for).
//!
//! Response schemas are closed (`additionalProperties: false`) so that they
//! state the document exactly. A violation of that keyword is flagged as
//! [`Violation::undocumented`]: the harness reports such members separately
//! from shape errors (see `docs/contract.md`).

use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// Base URI the embedded schemas are registered under. It is never fetched.
pub const BASE_URI: &str = "https://macie-conform.invalid/schemas/";

macro_rules! embedded {
    ($($name:literal),+ $(,)?) => {
        /// Every schema file, as (shape name, file text).
        pub const SCHEMA_FILES: &[(&str, &str)] = &[
            $(($name, include_str!(concat!("../schemas/", $name, ".json")))),+
        ];
    };
}

embedded!(
    "AccessDeniedException",
    "ConflictException",
    "CriteriaBlockForJob",
    "CriteriaForJob",
    "InternalServerException",
    "JobComparator",
    "JobStatus",
    "JobSummary",
    "JobType",
    "LastRunErrorStatus",
    "LastRunErrorStatusCode",
    "ListClassificationJobsRequest",
    "ListClassificationJobsResponse",
    "ListJobsFilterCriteria",
    "ListJobsFilterKey",
    "ListJobsFilterTerm",
    "ListJobsSortAttributeName",
    "ListJobsSortCriteria",
    "OrderBy",
    "ResourceNotFoundException",
    "S3BucketCriteriaForJob",
    "S3BucketDefinitionForJob",
    "ServiceQuotaExceededException",
    "SimpleCriterionForJob",
    "SimpleCriterionKeyForJob",
    "TagCriterionForJob",
    "TagCriterionPairForJob",
    "ThrottlingException",
    "UserPausedDetails",
    "ValidationException",
);

/// Why the schemas could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("schema {name} is not valid JSON: {reason}")]
    Parse { name: String, reason: String },
    #[error("schema {name} does not compile: {reason}")]
    Compile { name: String, reason: String },
    #[error("schema references could not be registered: {0}")]
    Registry(String),
    #[error("no schema named {name:?}; known shapes: {known}")]
    UnknownShape { name: String, known: String },
}

/// One way an instance breaks a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON Pointer into the instance (`/items/3/createdAt`); empty for the root.
    pub instance_path: String,
    /// The schema keyword that failed (`type`, `enum`, `format`, ...).
    pub keyword: String,
    /// Where in the schema the keyword sits.
    pub schema_path: String,
    pub message: String,
    /// True when the only fault is a member the document does not define.
    pub undocumented: bool,
    /// For a `required` violation: the member that is missing.
    pub missing: Option<String>,
    /// For a `type` violation: the type (or types) the document gives.
    pub expected_type: Option<String>,
}

/// All shapes of the contract, compiled.
pub struct SchemaSet {
    validators: BTreeMap<&'static str, jsonschema::Validator>,
}

impl SchemaSet {
    /// The embedded schemas, compiled on first use.
    pub fn embedded() -> Result<&'static SchemaSet, &'static SchemaError> {
        static SET: OnceLock<Result<SchemaSet, SchemaError>> = OnceLock::new();
        SET.get_or_init(SchemaSet::compile).as_ref()
    }

    fn compile() -> Result<SchemaSet, SchemaError> {
        let mut documents = Vec::with_capacity(SCHEMA_FILES.len());
        for (name, text) in SCHEMA_FILES {
            let value: Value = serde_json::from_str(text).map_err(|e| SchemaError::Parse {
                name: (*name).to_string(),
                reason: e.to_string(),
            })?;
            documents.push((*name, value));
        }
        let registry = jsonschema::Registry::new()
            .extend(
                documents
                    .iter()
                    .map(|(name, value)| (format!("{BASE_URI}{name}.json"), value.clone())),
            )
            .and_then(|b| b.prepare())
            .map_err(|e| SchemaError::Registry(e.to_string()))?;
        let mut validators = BTreeMap::new();
        for (name, _) in &documents {
            let root = serde_json::json!({ "$ref": format!("{BASE_URI}{name}.json") });
            let validator = jsonschema::options()
                .with_registry(&registry)
                .should_validate_formats(true)
                .build(&root)
                .map_err(|e| SchemaError::Compile {
                    name: (*name).to_string(),
                    reason: e.to_string(),
                })?;
            validators.insert(*name, validator);
        }
        Ok(SchemaSet { validators })
    }

    /// Names of every shape, sorted.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.validators.keys().copied()
    }

    pub fn contains(&self, shape: &str) -> bool {
        self.validators.contains_key(shape)
    }

    /// Every violation of `shape` by `instance`; empty when it conforms.
    pub fn validate(&self, shape: &str, instance: &Value) -> Result<Vec<Violation>, SchemaError> {
        let validator = self
            .validators
            .get(shape)
            .ok_or_else(|| SchemaError::UnknownShape {
                name: shape.to_string(),
                known: self.names().collect::<Vec<_>>().join(", "),
            })?;
        let mut found: Vec<Violation> = validator
            .iter_errors(instance)
            .map(|e| {
                let schema_path = e.schema_path().to_string();
                let keyword = schema_path
                    .rsplit('/')
                    .find(|seg| !seg.is_empty() && !seg.chars().all(|c| c.is_ascii_digit()))
                    .unwrap_or_default()
                    .to_string();
                let (missing, expected_type) = match e.kind() {
                    jsonschema::error::ValidationErrorKind::Required { property } => {
                        (property.as_str().map(str::to_string), None)
                    }
                    jsonschema::error::ValidationErrorKind::Type { kind } => {
                        (None, Some(type_names(kind)))
                    }
                    _ => (None, None),
                };
                Violation {
                    instance_path: e.instance_path().to_string(),
                    undocumented: keyword == "additionalProperties",
                    missing,
                    expected_type,
                    keyword,
                    schema_path,
                    message: e.to_string(),
                }
            })
            .collect();
        // A bad date-time breaks both `format` and the UTC `pattern`; the
        // format message ("not a date-time") is the one a reader needs
        // first, so at any one location a `pattern` finding goes last.
        let first_seen: HashMap<String, usize> =
            found
                .iter()
                .enumerate()
                .fold(HashMap::new(), |mut seen, (i, v)| {
                    seen.entry(v.instance_path.clone()).or_insert(i);
                    seen
                });
        found.sort_by_key(|v| (first_seen[&v.instance_path], v.keyword == "pattern"));
        Ok(found)
    }
}

/// The JSON types a `type` keyword allows, as one phrase.
fn type_names(kind: &jsonschema::error::TypeKind) -> String {
    match kind {
        jsonschema::error::TypeKind::Single(t) => t.to_string(),
        jsonschema::error::TypeKind::Multiple(ts) => {
            let names: Vec<String> = ts.iter().map(|t| t.to_string()).collect();
            names.join(" or ")
        }
    }
}
