//! What a grant lets its key do, on forges with permission levels and expiry (Data Center):
//! the settings of an add, and the one-request permission change.

use crate::forge::{AccessKey, Forge, ForgeError, ForgeErrorKind, Permission, Place};

/// How a key is granted where it is added: read unless asked, and never expiring unless
/// asked. Only [`Permission::Read`] without expiry is valid where the forge's caps say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Grant {
    /// Read or write.
    pub permission: Permission,
    /// Days until the key expires, counted from its creation.
    pub expiry_days: Option<u32>,
}

impl Grant {
    /// The grant `key` has where it is listed.
    pub fn of(key: &AccessKey) -> Grant {
        Grant {
            permission: key.permission,
            expiry_days: key.expiry_days,
        }
    }

    /// The grant a journal record asks for: read and no expiry where it says nothing (an
    /// entry written before the journal kept grants, or a Cloud one).
    pub fn of_record(r: &crate::journal::IntentRecord) -> Grant {
        Grant {
            permission: r.permission.unwrap_or_default(),
            expiry_days: r.expiry_days,
        }
    }

    /// The permission as the journal records it: only a write is written, since an absent
    /// one reads as read, and Cloud entries stay as they were.
    pub fn journaled_permission(&self) -> Option<Permission> {
        (self.permission != Permission::Read).then_some(self.permission)
    }

    /// Refuses what `forge` cannot do before any request: a write permission or an expiry on
    /// a forge without them.
    pub fn check(&self, forge: &dyn Forge) -> Result<(), ForgeError> {
        let caps = forge.caps();
        if self.permission != Permission::Read && !caps.permissions {
            return Err(crate::forge::unsupported(
                forge.kind(),
                "grant write access: its access keys are read-only",
            ));
        }
        if self.expiry_days.is_some() && !caps.expiry {
            return Err(crate::forge::unsupported(
                forge.kind(),
                "let access keys expire",
            ));
        }
        Ok(())
    }
}

/// Sets the permission of grant `id` at `place` in one request, and returns the grant as the
/// forge stored it. Refused before any request where the forge has no permission levels.
pub async fn change_permission(
    forge: &dyn Forge,
    place: &Place,
    id: u64,
    permission: Permission,
) -> Result<AccessKey, ForgeError> {
    if !forge.caps().permissions {
        return Err(ForgeError::new(
            ForgeErrorKind::Unsupported,
            "Cloud keys have no permission level: Bitbucket Cloud access keys are always read-only.",
        ));
    }
    forge.set_permission(place, id, permission).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::memory::MemoryForge;
    use crate::forge::{Caps, ForgeKind};

    #[tokio::test]
    async fn a_forge_without_permissions_is_refused_before_any_request() {
        let cloud = MemoryForge::new(ForgeKind::Cloud, Caps::default());
        let place = Place::cloud_repo("acme", "api");
        let e = change_permission(&cloud, &place, 1, Permission::Write)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ForgeErrorKind::Unsupported);
        assert!(e.advice.contains("no permission level"), "{}", e.advice);
        let write = Grant {
            permission: Permission::Write,
            expiry_days: None,
        };
        assert!(
            write
                .check(&cloud)
                .unwrap_err()
                .advice
                .contains("Bitbucket Cloud")
        );
        let expiring = Grant {
            permission: Permission::Read,
            expiry_days: Some(30),
        };
        assert!(expiring.check(&cloud).is_err());
        assert!(Grant::default().check(&cloud).is_ok());
    }
}
