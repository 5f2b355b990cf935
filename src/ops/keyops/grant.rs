//! One POST of a key, with what a grant carries besides its label.

use crate::forge::{AccessKey, Forge, ForgeError, NewAccessKey, Permission, Place};

/// How a key is granted beyond its label: read or write, and an expiry, where the forge has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GrantOptions {
    /// Read or write.
    pub permission: Permission,
    /// Expiry in days.
    pub expiry_days: Option<u32>,
}

pub(super) async fn post_key(
    forge: &dyn Forge,
    scope: &Place,
    key: &str,
    label: &str,
    grant: GrantOptions,
) -> Result<AccessKey, ForgeError> {
    let new = NewAccessKey {
        key: key.to_string(),
        label: label.to_string(),
        permission: grant.permission,
        expiry_days: grant.expiry_days,
    };
    forge.add_key(scope, &new).await
}
