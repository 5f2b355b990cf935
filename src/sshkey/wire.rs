//! The SSH wire format (RFC 4253 §6.6): length-prefixed fields and the key blob layouts.

use super::*;

/// Reads RFC 4253 length-prefixed fields; `None` means the data ran out.
pub(super) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(super) fn new(data: &'a [u8]) -> Self {
        Reader { rest: data }
    }

    pub(super) fn string(&mut self) -> Option<&'a [u8]> {
        let (len, after) = self.rest.split_first_chunk::<4>()?;
        let len = usize::try_from(u32::from_be_bytes(*len)).ok()?;
        if len > after.len() {
            return None;
        }
        let (field, rest) = after.split_at(len);
        self.rest = rest;
        Some(field)
    }
}

/// Writes the canonical blob, field by field, as OpenSSH does before fingerprinting.
#[derive(Default)]
pub(super) struct Writer {
    out: Vec<u8>,
}

impl Writer {
    pub(super) fn string(&mut self, field: &[u8]) {
        // Fields come from a blob shorter than MAX_INPUT_LEN, so their length fits in a u32.
        let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
        self.out.extend_from_slice(&len.to_be_bytes());
        self.out.extend_from_slice(field);
    }

    /// An mpint from its magnitude (no leading zeros): a zero byte goes in front when the top
    /// bit is set, so the number stays positive.
    fn mpint(&mut self, magnitude: &[u8]) {
        if magnitude.first().is_some_and(|b| b & 0x80 != 0) {
            let mut padded = Vec::with_capacity(magnitude.len() + 1);
            padded.push(0);
            padded.extend_from_slice(magnitude);
            self.string(&padded);
        } else {
            self.string(magnitude);
        }
    }
}

/// Reads the fields of a `kind` key after the type string, checks them the way OpenSSH's
/// `sshkey_from_blob` does, and returns the canonical blob and the bit length.
pub(super) fn decode_blob(kind: KeyKind, blob: &[u8]) -> Result<(Vec<u8>, u32), KeyError> {
    let key_type = || kind.name().to_owned();
    let truncated = || KeyError::TruncatedBlob {
        key_type: key_type(),
    };
    let invalid = |reason| KeyError::InvalidKeyData {
        key_type: key_type(),
        reason,
    };
    let mut r = Reader::new(blob);
    let embedded = r.string().ok_or_else(truncated)?;
    if embedded != kind.name().as_bytes() {
        let known = KeyKind::from_name(embedded)
            .map(|k| k.name().to_owned())
            .or_else(|| {
                std::str::from_utf8(embedded)
                    .ok()
                    .filter(|t| is_certificate_type(t) && looks_like_key_type(t))
                    .map(str::to_owned)
            });
        return Err(KeyError::TypeMismatch {
            declared: key_type(),
            embedded: known,
        });
    }
    let mut w = Writer::default();
    w.string(embedded);
    let bits = match kind {
        KeyKind::Ed25519 | KeyKind::SkEd25519 => {
            let point = r.string().ok_or_else(truncated)?;
            if point.len() != 32 {
                return Err(invalid("an Ed25519 public key is 32 bytes long"));
            }
            w.string(point);
            256
        }
        KeyKind::EcdsaP256 | KeyKind::EcdsaP384 | KeyKind::EcdsaP521 | KeyKind::SkEcdsaP256 => {
            let curve = match kind {
                KeyKind::EcdsaP384 => &curve::P384,
                KeyKind::EcdsaP521 => &curve::P521,
                _ => &curve::P256,
            };
            let name = r.string().ok_or_else(truncated)?;
            if name != curve.name.as_bytes() {
                return Err(invalid("the curve name does not match the key type"));
            }
            let point = r.string().ok_or_else(truncated)?;
            curve.check_point(point).map_err(invalid)?;
            w.string(name);
            w.string(point);
            curve.bits
        }
        KeyKind::Rsa => {
            let e = mpint(&mut r, kind)?;
            let n = mpint(&mut r, kind)?;
            // A usable public exponent is odd and at least 3 (OpenSSH's own keys use 65537).
            if e.last().is_none_or(|b| b & 1 == 0) || e == [1] {
                return Err(invalid("the public exponent cannot belong to an RSA key"));
            }
            let bits = bit_length(n);
            if bits > MAX_RSA_BITS {
                return Err(invalid(
                    "RSA keys over 16384 bits are not supported by OpenSSH",
                ));
            }
            w.mpint(e);
            w.mpint(n);
            bits
        }
        KeyKind::Dsa => {
            let p = mpint(&mut r, kind)?;
            w.mpint(p);
            for _ in 0..3 {
                let part = mpint(&mut r, kind)?;
                w.mpint(part);
            }
            bit_length(p)
        }
    };
    if matches!(kind, KeyKind::SkEd25519 | KeyKind::SkEcdsaP256) {
        // The FIDO application string, normally "ssh:"; OpenSSH reads it as a C string.
        let application = r.string().ok_or_else(truncated)?;
        if application.contains(&0) {
            return Err(invalid(
                "the security key application name contains a NUL byte",
            ));
        }
        w.string(application);
    }
    if !r.rest.is_empty() {
        return Err(KeyError::TrailingData {
            key_type: key_type(),
        });
    }
    Ok((w.out, bits))
}

/// Reads an mpint and returns its magnitude without leading zeros. OpenSSH tolerates the extra
/// zeros (and drops them before fingerprinting), but refuses negative numbers and numbers
/// longer than 16384 bits plus a sign byte.
fn mpint<'a>(r: &mut Reader<'a>, kind: KeyKind) -> Result<&'a [u8], KeyError> {
    let raw = r.string().ok_or_else(|| KeyError::TruncatedBlob {
        key_type: kind.name().to_owned(),
    })?;
    let invalid = |reason| KeyError::InvalidKeyData {
        key_type: kind.name().to_owned(),
        reason,
    };
    if raw.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(invalid("it holds a negative number"));
    }
    if raw.len() > MAX_RSA_BITS as usize / 8 + 1 {
        return Err(invalid(
            "it holds a number over 16384 bits, more than OpenSSH supports",
        ));
    }
    let start = raw.iter().position(|&b| b != 0).unwrap_or(raw.len());
    Ok(raw.get(start..).unwrap_or_default())
}

/// Bits of a big-endian magnitude without leading zeros.
pub(super) fn bit_length(magnitude: &[u8]) -> u32 {
    match magnitude.first() {
        None => 0,
        Some(top) => {
            let len = u32::try_from(magnitude.len()).unwrap_or(u32::MAX / 8);
            (len - 1) * 8 + (8 - top.leading_zeros())
        }
    }
}
