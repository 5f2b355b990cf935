//! Checks that an ECDSA public point is a valid point of its NIST curve, as OpenSSH does
//! (`EC_POINT_oct2point` plus `sshkey_ec_validate_public`). Without this, `ssh-keygen` and
//! Bitbucket would refuse a key that this module had accepted. Only a handful of modular
//! multiplications are needed, so a small schoolbook big-number type is enough.

use std::cmp::Ordering;

/// Short-Weierstrass curve y² = x³ − 3x + b over the prime field of `p`, with group order `n`.
pub(super) struct Curve {
    /// The name inside the blob, e.g. `nistp256`.
    pub(super) name: &'static str,
    /// What `ssh-keygen -l` prints for it.
    pub(super) bits: u32,
    coordinate_len: usize,
    p: &'static str,
    b: &'static str,
    n: &'static str,
}

/// Parameters from SEC 2 (as printed by `openssl ecparam -param_enc explicit -text`).
pub(super) const P256: Curve = Curve {
    name: "nistp256",
    bits: 256,
    coordinate_len: 32,
    p: "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
    b: "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
    n: "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
};

/// NIST P-384, see [`P256`].
pub(super) const P384: Curve = Curve {
    name: "nistp384",
    bits: 384,
    coordinate_len: 48,
    p: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
    b: "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef",
    n: "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
};

/// NIST P-521, see [`P256`].
pub(super) const P521: Curve = Curve {
    name: "nistp521",
    bits: 521,
    coordinate_len: 66,
    p: "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    b: "0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00",
    n: "01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
};

impl Curve {
    /// `Err` holds the reason, worded to follow "the key data is invalid: ".
    pub(super) fn check_point(&self, point: &[u8]) -> Result<(), &'static str> {
        if point.len() != 1 + 2 * self.coordinate_len {
            return Err("the curve point has the wrong length");
        }
        let (format, coordinates) = point.split_first().ok_or("the curve point is empty")?;
        // OpenSSH handles only uncompressed points (tag 4).
        if *format != 4 {
            return Err("the curve point is not in uncompressed form");
        }
        let (x, y) = coordinates.split_at(self.coordinate_len);
        let (x, y) = (Nat::from_be_bytes(x), Nat::from_be_bytes(y));
        let (p, b, n) = (
            Nat::from_hex(self.p),
            Nat::from_hex(self.b),
            Nat::from_hex(self.n),
        );
        // sshkey_ec_validate_public: both coordinates longer than half the order's bits,
        // and below order − 1 (which also keeps them below p).
        let half = n.bits() / 2;
        let limit = n.sub(&Nat::from_be_bytes(&[1]));
        if x.bits() <= half || y.bits() <= half || x >= limit || y >= limit {
            return Err("the curve point is out of range");
        }
        let lhs = y.mul(&y).rem(&p);
        let x3_plus_b = x.mul(&x).rem(&p).mul(&x).add(&b).rem(&p);
        let three_x = x.add(&x).add(&x).rem(&p);
        let rhs = if x3_plus_b >= three_x {
            x3_plus_b.sub(&three_x)
        } else {
            x3_plus_b.add(&p).sub(&three_x)
        };
        if lhs != rhs {
            return Err("the point is not on the curve");
        }
        Ok(())
    }
}

/// A natural number as little-endian 64-bit limbs, with no zero limb at the top, so that
/// equal numbers have equal representations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Nat(Vec<u64>);

impl Nat {
    pub(super) fn from_be_bytes(bytes: &[u8]) -> Nat {
        let limbs = bytes
            .rchunks(8)
            .map(|chunk| chunk.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
            .collect();
        Nat(limbs).trimmed()
    }

    /// From a hex literal of this file; only used for the constants above.
    fn from_hex(hex: &str) -> Nat {
        let bytes: Vec<u8> = hex
            .as_bytes()
            .chunks(2)
            .map(|pair| {
                pair.iter().fold(0u8, |acc, &d| {
                    (acc << 4) | (char::from(d).to_digit(16).unwrap_or(0) as u8)
                })
            })
            .collect();
        Nat::from_be_bytes(&bytes)
    }

    fn trimmed(mut self) -> Nat {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
        self
    }

    pub(super) fn bits(&self) -> u32 {
        match self.0.last() {
            None => 0,
            Some(top) => (self.0.len() as u32 - 1) * 64 + (64 - top.leading_zeros()),
        }
    }

    fn bit(&self, i: u32) -> bool {
        self.0
            .get((i / 64) as usize)
            .is_some_and(|limb| (limb >> (i % 64)) & 1 == 1)
    }

    pub(super) fn add(&self, other: &Nat) -> Nat {
        let len = self.0.len().max(other.0.len());
        let mut out = Vec::with_capacity(len + 1);
        let mut carry = false;
        for i in 0..len {
            let a = self.0.get(i).copied().unwrap_or(0);
            let b = other.0.get(i).copied().unwrap_or(0);
            let (s1, c1) = a.overflowing_add(b);
            let (s2, c2) = s1.overflowing_add(u64::from(carry));
            out.push(s2);
            carry = c1 || c2;
        }
        out.push(u64::from(carry));
        Nat(out).trimmed()
    }

    /// `self − other`; callers make sure `self >= other`.
    pub(super) fn sub(&self, other: &Nat) -> Nat {
        let mut out = Vec::with_capacity(self.0.len());
        let mut borrow = false;
        for (i, &a) in self.0.iter().enumerate() {
            let b = other.0.get(i).copied().unwrap_or(0);
            let (d1, b1) = a.overflowing_sub(b);
            let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
            out.push(d2);
            borrow = b1 || b2;
        }
        Nat(out).trimmed()
    }

    pub(super) fn mul(&self, other: &Nat) -> Nat {
        let mut out = vec![0u64; self.0.len() + other.0.len()];
        for (i, &a) in self.0.iter().enumerate() {
            let mut carry = 0u128;
            for (j, &b) in other.0.iter().enumerate() {
                let slot = &mut out[i + j];
                let t = u128::from(a) * u128::from(b) + u128::from(*slot) + carry;
                *slot = t as u64;
                carry = t >> 64;
            }
            out[i + other.0.len()] = carry as u64;
        }
        Nat(out).trimmed()
    }

    /// `self mod m` by binary long division: slow per bit, but numbers here have at most
    /// about a thousand bits.
    pub(super) fn rem(&self, m: &Nat) -> Nat {
        let mut r = Nat(Vec::new());
        for i in (0..self.bits()).rev() {
            r = r.add(&r);
            if self.bit(i) {
                r = r.add(&Nat(vec![1]));
            }
            if r >= *m {
                r = r.sub(m);
            }
        }
        r
    }
}

impl PartialOrd for Nat {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Nat {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }
}
