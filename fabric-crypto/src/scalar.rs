//! 256-bit big-endian arithmetic on P-256 scalars: just what signature checks need.

/// The order n of the P-256 group, big-endian.
pub(crate) const ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// ⌊n / 2⌋: the largest `s` Fabric accepts.
pub(crate) const HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
];

/// `a - b` for `a >= b` (wraps otherwise; callers guarantee the order).
pub(crate) fn sub(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = 0;
        if d < 0 {
            d += 256;
            borrow = 1;
        }
        // `d` is in 0..=255 here by construction.
        out[i] = d as u8;
    }
    out
}

/// Whether the scalar is zero.
pub(crate) fn is_zero(a: &[u8; 32]) -> bool {
    a.iter().all(|&b| b == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_order_is_floor_of_half() {
        // n = 2 * half + 1 because n is odd.
        let mut twice = [0u8; 32];
        let mut carry = 1u16; // the "+ 1"
        for i in (0..32).rev() {
            let v = u16::from(HALF_ORDER[i]) * 2 + carry;
            twice[i] = (v & 0xff) as u8;
            carry = v >> 8;
        }
        assert_eq!(carry, 0);
        assert_eq!(twice, ORDER);
    }

    #[test]
    fn subtraction_borrows_across_bytes() {
        let mut a = [0u8; 32];
        a[30] = 1; // 256
        let mut b = [0u8; 32];
        b[31] = 1;
        let mut want = [0u8; 32];
        want[31] = 0xff;
        assert_eq!(sub(&a, &b), want);
    }
}
