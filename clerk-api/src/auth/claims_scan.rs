//! The fast path for reading a verified payload: a scanner for the JSON shape Clerk mints
//! (one flat object, plain strings, integers), twice as fast as `serde_json` on a session token
//! (BENCHMARKS.md). After the signature itself, reading the claims was the largest cost of a
//! verification.
//!
//! It answers only when it is sure: `Some` claims exactly when `serde_json` would decode the
//! same [`ClaimsView`], and `None` ("ask `serde_json`") for anything else it meets: an escaped
//! string, a fraction or an exponent, a number of more than 18 digits, a repeated claim, deep
//! nesting, bad syntax. So the claims a token yields never depend on which path read them, and
//! the property test below holds it to that.

use super::claims_view::{ActorView, ClaimsView, OrganizationView, Str};
use std::borrow::Cow;

/// Objects and arrays nested deeper than this (inside custom claims) go to `serde_json`.
const MAX_DEPTH: u32 = 16;

/// The claims of `payload`, or `None` when `serde_json` must decide.
pub(crate) fn scan(payload: &str) -> Option<ClaimsView<'_>> {
    let mut scanner = Scanner { text: payload, pos: 0 };
    let claims = scanner.claims()?;
    scanner.whitespace();
    (scanner.pos == payload.len()).then_some(claims)
}

/// The high bit of each byte of `block` (read little-endian) that is a quote, a backslash or a
/// control character (below 0x20). The lowest flag is always right; a byte above a flagged one
/// may be flagged wrongly (a borrow carries into it), so only the lowest is used.
fn special_bytes(block: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte is below `n` (n <= 0x80) where subtracting `n` borrows into a clear high bit.
    let below = |word: u64, n: u64| word.wrapping_sub(ONES * n) & !word & HIGH;
    below(block ^ (ONES * u64::from(b'"')), 1) | below(block ^ (ONES * u64::from(b'\\')), 1) | below(block, 0x20)
}

struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

/// One bit per field of a struct, so that a repeated field (an error for `serde_json`) is seen.
#[derive(Default)]
struct Seen(u32);

impl Seen {
    /// Marks field `bit`; `None` if it was already there.
    fn first(&mut self, bit: u32) -> Option<()> {
        let mask = 1 << bit;
        (self.0 & mask == 0).then(|| self.0 |= mask)
    }
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Skips JSON whitespace and returns the byte after it.
    fn whitespace(&mut self) -> Option<u8> {
        while let Some(byte) = self.peek() {
            if !matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(byte);
            }
            self.pos += 1;
        }
        None
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.whitespace()? == byte).then(|| self.pos += 1)
    }

    /// Consumes `literal` (`null`, `true`, `false`) if it comes next.
    fn literal(&mut self, literal: &str) -> bool {
        let found = self.text.as_bytes().get(self.pos..).is_some_and(|rest| rest.starts_with(literal.as_bytes()));
        if found {
            self.pos += literal.len();
        }
        found
    }

    /// A string without escapes or control characters, borrowed from the payload.
    fn string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.pos;
        let bytes = self.text.as_bytes();
        // Eight bytes at a time while they hold no quote, backslash or control character; the
        // first one that does is at the lowest flagged byte.
        let mut end = start;
        while let Some(block) = bytes.get(end..end + 8) {
            let flags = special_bytes(u64::from_le_bytes(block.try_into().ok()?));
            if flags != 0 {
                end += flags.trailing_zeros() as usize / 8;
                break;
            }
            end += 8;
        }
        // The closing quote, or an escape or a control character that sends the payload to
        // `serde_json`.
        while *bytes.get(end)? != b'"' {
            if matches!(bytes[end], b'\\' | 0..=0x1f) {
                return None;
            }
            end += 1;
        }
        let value = self.text.get(start..end)?;
        self.pos = end + 1;
        Some(value)
    }

    /// Reads the value of field `bit` of a struct with `read`; `None` if the field came before.
    fn once<T>(&mut self, seen: &mut Seen, bit: u32, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        seen.first(bit)?;
        read(self)
    }

    fn str(&mut self) -> Option<Str<'a>> {
        self.string().map(|s| Str(Cow::Borrowed(s)))
    }

    /// `null` as `None`, else what `value` reads: `serde_json`'s reading of an `Option`.
    fn optional<T>(&mut self, value: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.whitespace()? == b'n' && self.literal("null") {
            return Some(None);
        }
        value(self).map(Some)
    }

    /// An integer of at most 18 digits, without a fraction or an exponent: always within `i64`.
    fn integer(&mut self) -> Option<i64> {
        self.whitespace()?;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let start = self.pos;
        let mut value: i64 = 0;
        while let Some(digit @ b'0'..=b'9') = self.peek() {
            if self.pos - start == 18 {
                return None;
            }
            value = value * 10 + i64::from(digit - b'0');
            self.pos += 1;
        }
        let digits = self.pos - start;
        // No digits, a leading zero (`01`, invalid JSON), or a float.
        if digits == 0
            || (digits > 1 && self.text.as_bytes().get(start) == Some(&b'0'))
            || matches!(self.peek(), Some(b'.' | b'e' | b'E'))
        {
            return None;
        }
        match (negative, value) {
            // `serde_json` reads `-0` as a float, which no integer claim accepts.
            (true, 0) => None,
            (true, value) => Some(-value),
            (false, value) => Some(value),
        }
    }

    fn unsigned(&mut self) -> Option<u32> {
        self.whitespace()?;
        if self.peek() == Some(b'-') {
            return None;
        }
        u32::try_from(self.integer()?).ok()
    }

    /// Reads an object, calling `field` with each key; `field` reads the value.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.expect(b'{')?;
        if self.whitespace()? == b'}' {
            self.pos += 1;
            return Some(());
        }
        loop {
            let key = self.string()?;
            self.expect(b':')?;
            field(self, key)?;
            match self.whitespace()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Reads an array, calling `item` for each element.
    fn array(&mut self, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.expect(b'[')?;
        if self.whitespace()? == b']' {
            self.pos += 1;
            return Some(());
        }
        loop {
            item(self)?;
            match self.whitespace()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Skips a value of a claim the view does not read, checking it as `serde_json` would.
    fn skip(&mut self, depth: u32) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.whitespace()? {
            b'"' => self.string().map(drop),
            // Repeated keys are allowed here: `serde_json` ignores the whole value.
            b'{' => self.object(|s, _| s.skip(depth + 1)),
            b'[' => self.array(|s| s.skip(depth + 1)),
            b'-' | b'0'..=b'9' => self.integer().map(drop),
            _ => (self.literal("null") || self.literal("true") || self.literal("false")).then_some(()),
        }
    }

    fn claims(&mut self) -> Option<ClaimsView<'a>> {
        let mut seen = Seen::default();
        let (mut sub, mut exp) = (None, None);
        let mut view = ClaimsView::default();
        self.object(|s, key| {
            match key {
                "v" => view.v = s.once(&mut seen, 0, |s| s.optional(Self::unsigned))?,
                "sub" => sub = Some(s.once(&mut seen, 1, Self::str)?),
                "sid" => view.sid = s.once(&mut seen, 2, |s| s.optional(Self::str))?,
                "iss" => view.iss = s.once(&mut seen, 3, |s| s.optional(Self::str))?,
                "azp" => view.azp = s.once(&mut seen, 4, |s| s.optional(Self::str))?,
                "aud" => view.aud = s.once(&mut seen, 5, Self::audiences)?,
                "exp" => exp = Some(s.once(&mut seen, 6, Self::integer)?),
                "nbf" => view.nbf = s.once(&mut seen, 7, |s| s.optional(Self::integer))?,
                "iat" => view.iat = s.once(&mut seen, 8, |s| s.optional(Self::integer))?,
                "jti" => view.jti = s.once(&mut seen, 9, |s| s.optional(Self::str))?,
                "sts" => view.sts = s.once(&mut seen, 10, |s| s.optional(Self::str))?,
                "act" => view.act = s.once(&mut seen, 11, |s| s.optional(Self::actor))?,
                "fva" => view.fva = s.once(&mut seen, 12, |s| s.optional(Self::pair))?,
                "pla" => view.pla = s.once(&mut seen, 13, |s| s.optional(Self::str))?,
                "fea" => view.fea = s.once(&mut seen, 14, |s| s.optional(Self::str))?,
                "o" => view.o = s.once(&mut seen, 15, |s| s.optional(Self::organization))?,
                "org_id" => view.org_id = s.once(&mut seen, 16, |s| s.optional(Self::str))?,
                "org_slug" => view.org_slug = s.once(&mut seen, 17, |s| s.optional(Self::str))?,
                "org_role" => view.org_role = s.once(&mut seen, 18, |s| s.optional(Self::str))?,
                "org_permissions" => view.org_permissions = s.once(&mut seen, 19, |s| s.optional(Self::strings))?,
                _ => s.skip(1)?,
            }
            Some(())
        })?;
        view.sub = sub?;
        view.exp = exp?;
        Some(view)
    }

    /// `aud`: one string or an array of them (`null` is an error for `serde_json`).
    fn audiences(&mut self) -> Option<Vec<Str<'a>>> {
        if self.whitespace()? == b'"' {
            return Some(vec![self.str()?]);
        }
        self.strings()
    }

    fn strings(&mut self) -> Option<Vec<Str<'a>>> {
        let mut out = Vec::new();
        self.array(|s| {
            out.push(s.str()?);
            Some(())
        })?;
        Some(out)
    }

    /// `fva`: exactly two integers.
    fn pair(&mut self) -> Option<[i64; 2]> {
        self.expect(b'[')?;
        let first = self.integer()?;
        self.expect(b',')?;
        let second = self.integer()?;
        self.expect(b']')?;
        Some([first, second])
    }

    fn organization(&mut self) -> Option<OrganizationView<'a>> {
        let mut seen = Seen::default();
        let mut id = None;
        let (mut slg, mut rol, mut per, mut fpm) = (None, None, None, None);
        self.object(|s, key| {
            match key {
                "id" => id = Some(s.once(&mut seen, 0, Self::str)?),
                "slg" => slg = s.once(&mut seen, 1, |s| s.optional(Self::str))?,
                "rol" => rol = s.once(&mut seen, 2, |s| s.optional(Self::str))?,
                "per" => per = s.once(&mut seen, 3, |s| s.optional(Self::str))?,
                "fpm" => fpm = s.once(&mut seen, 4, |s| s.optional(Self::str))?,
                _ => s.skip(2)?,
            }
            Some(())
        })?;
        Some(OrganizationView { id: id?, slg, rol, per, fpm })
    }

    fn actor(&mut self) -> Option<ActorView<'a>> {
        let mut seen = Seen::default();
        let (mut sub, mut iss, mut sid) = (None, None, None);
        self.object(|s, key| {
            match key {
                "sub" => sub = Some(s.once(&mut seen, 0, Self::str)?),
                "iss" => iss = s.once(&mut seen, 1, |s| s.optional(Self::str))?,
                "sid" => sid = s.once(&mut seen, 2, |s| s.optional(Self::str))?,
                _ => s.skip(2)?,
            }
            Some(())
        })?;
        Some(ActorView { sub: sub?, iss, sid })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// What `serde_json` makes of a payload: the reference the scanner must agree with.
    fn reference(payload: &str) -> Option<ClaimsView<'_>> {
        serde_json::from_str(payload).ok()
    }

    /// Payloads in the shapes Clerk mints: the scanner must read each of them itself.
    const SHAPES: [&str; 6] = [
        // Version 2 session token with an organization, billing and factor ages.
        r#"{"azp":"https://app.example.com","exp":1767225600,"fea":"o:dashboard","fva":[12,-1],"iat":1767225540,"iss":"https://clerk.example.com","nbf":1767225530,"o":{"fpm":"3","id":"org_2xhF","per":"read,manage","rol":"admin","slg":"acme"},"pla":"o:pro","sid":"sess_2xhF","sts":"active","sub":"user_2xhF","v":2}"#,
        // Version 1 with its organization claims spelled out.
        r#"{"azp":"http://localhost:3000","exp":1700000060,"iat":1700000000,"iss":"https://clerk.example.com","jti":"0123abcd","nbf":1699999990,"org_id":"org_1","org_permissions":["org:sys_memberships:read","org:a:b"],"org_role":"org:admin","org_slug":"acme","sid":"sess_1","sub":"user_1"}"#,
        // A machine token: scopes, custom claims, an audience list.
        r#"{"aud":["https://api.example.com","x"],"exp":1700000060,"iat":1700000000,"iss":"https://clerk.example.com","jti":"mt_1","nbf":1700000000,"scopes":"mch_2 mch_3","sub":"mch_1","custom":{"tier":[1,true,null,{"k":"v"}],"n":-5}}"#,
        // Impersonation, a pending session, nulls, whitespace and non-ASCII text.
        "{ \"act\" : {\"sub\":\"user_admin\",\"iss\":null,\"extra\":false},\n\t\"exp\":1, \"sts\":\"pending\", \"sid\":null, \"o\":null, \"v\":null, \"fva\":null, \"sub\":\"user_é\" }\r\n",
        // A JWT template token: one audience, deep custom claims.
        r#"{"aud":"convex","exp":1700000060,"sub":"user_1","email":"a@b.c","meta":{"a":{"b":{"c":[[],{}]}}}}"#,
        // The least a token can carry.
        r#"{"sub":"u","exp":-1}"#,
    ];

    #[test]
    fn reads_the_shapes_clerk_mints_as_serde_json_does() {
        for payload in SHAPES {
            let scanned = scan(payload);
            assert!(scanned.is_some(), "the fast path declined {payload}");
            assert_eq!(scanned, reference(payload), "{payload}");
        }
    }

    #[test]
    fn declines_what_it_does_not_read_itself() {
        for payload in [
            r#"{"sub":"us\u0065r_1","exp":1}"#,         // an escape: serde_json unescapes it
            r#"{"sub":"u","exp":1.0}"#,                 // a float: an error for serde_json
            r#"{"sub":"u","exp":1e3}"#,                 // an exponent
            r#"{"sub":"u","exp":-0}"#,                  // serde_json reads `-0` as a float
            r#"{"sub":"u","exp":1234567890123456789}"#, // 19 digits
            r#"{"sub":"u","exp":01}"#,                  // invalid JSON
            r#"{"sub":"u","exp":1,"sub":"v"}"#,         // a repeated claim: an error for serde_json
            r#"{"sub":"u","exp":1,"o":{"id":"a","id":"b"}}"#,
            r#"{"sub":"u","exp":1,"x":1.5}"#, // a float among custom claims
            r#"{"sub":"u","exp":1,"v":-1}"#,
            r#"{"sub":"u","exp":1,"v":4294967296}"#,
            r#"{"sub":"u","exp":1,"aud":null}"#,
            r#"{"sub":"u","exp":1,"fva":[1]}"#,
            r#"{"sub":"u","exp":1,"fva":[1,2,3]}"#,
            r#"{"sub":"u","exp":1,}"#,
            r#"{"sub":"u","exp":1} x"#,
            r#"{"sub":"u"}"#,
            r#"{"exp":1}"#,
            r#"["u",1]"#,
            "{\"sub\":\"a\tb\",\"exp\":1}", // a raw control character in a string
            r#"{"sub":"u","exp":1,"x":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}"#,
        ] {
            assert_eq!(scan(payload), None, "{payload}");
        }
        // Where serde_json accepts what the scanner declined, it still decides.
        assert!(reference(r#"{"sub":"us\u0065r_1","exp":1}"#).is_some());
    }

    #[test]
    fn flags_the_first_byte_that_ends_a_string_exactly() {
        let special = |byte: u8| byte == b'"' || byte == b'\\' || byte < 0x20;
        for at in 0..8 {
            for byte in 0..=255u8 {
                let mut block = *b"xxxxxxxx";
                block[at] = byte;
                let flags = special_bytes(u64::from_le_bytes(block));
                assert_eq!(flags != 0, special(byte), "{byte:#x} at {at}");
            }
        }
        // With any bytes around it, the lowest flag is the first special byte.
        let mut random = Random(7);
        for _ in 0..100_000 {
            let block = random.next().to_le_bytes();
            let first = block.iter().position(|&b| special(b));
            let flags = special_bytes(u64::from_le_bytes(block));
            assert_eq!((flags != 0).then(|| flags.trailing_zeros() as usize / 8), first, "{block:?}");
        }
    }

    /// A small deterministic generator (xorshift), so that a failure reproduces.
    struct Random(u64);

    impl Random {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn pick<'p>(&mut self, items: &[&'p str]) -> &'p str {
            items[self.below(items.len())]
        }
    }

    const KEYS: [&str; 26] = [
        "v",
        "sub",
        "sid",
        "iss",
        "azp",
        "aud",
        "exp",
        "nbf",
        "iat",
        "jti",
        "sts",
        "act",
        "fva",
        "pla",
        "fea",
        "o",
        "org_id",
        "org_slug",
        "org_role",
        "org_permissions",
        "id",
        "slg",
        "custom",
        "scopes",
        "s\\ub",
        "",
    ];

    const VALUES: [&str; 40] = [
        r#""x""#,
        r#""é""#,
        r#""a\"b""#,
        r#""\u0041""#,
        "1",
        "-1",
        "0",
        "-0",
        "01",
        "1.0",
        "1e2",
        "-",
        "4294967295",
        "4294967296",
        "999999999999999999",
        "9999999999999999999",
        "-999999999999999999",
        "null",
        "nul",
        "true",
        "false",
        "[]",
        "[1,2]",
        "[1,-2]",
        "[1,2,3]",
        "[1]",
        r#"["a","b"]"#,
        r#"["a",1]"#,
        "{}",
        r#"{"id":"org_1"}"#,
        r#"{"id":"o","slg":null,"x":[{}],"rol":"r"}"#,
        r#"{"sub":"a","iss":"b","sid":null}"#,
        r#"{"id":"a","id":"b"}"#,
        r#"{"sub":1}"#,
        "[[[]]]",
        "[1,]",
        "{\"a\":1,\"a\":2}",
        r#"{"a":[1.5]}"#,
        " \n 7 ",
        "\"\u{1}\"",
    ];

    const SNIPPETS: [&str; 16] =
        ["{", "}", "[", "]", ",", ":", "\"", "\\", " ", "-", ".", "e", "0", "null", r#""sub":"x","#, r#""exp":2,"#];

    /// A random object of known and unknown keys with values of every type, right or wrong.
    fn generated(random: &mut Random) -> String {
        let mut out = String::from("{");
        for i in 0..random.below(12) {
            if i > 0 {
                out.push_str(random.pick(&[",", ", ", ",\n"]));
            }
            let key = if i % 3 == 0 { ["sub", "exp"][random.below(2)] } else { random.pick(&KEYS) };
            out.push_str(&format!("\"{key}\":{}", random.pick(&VALUES)));
        }
        out.push('}');
        out
    }

    /// One of the shapes, cut, spliced or with a byte changed.
    fn mutated(random: &mut Random) -> Option<String> {
        let mut bytes = SHAPES[random.below(SHAPES.len())].as_bytes().to_vec();
        for _ in 0..=random.below(3) {
            let at = random.below(bytes.len() + 1);
            match random.below(5) {
                0 => bytes.splice(at..at, random.pick(&SNIPPETS).bytes()).for_each(drop),
                1 => bytes.splice(at..at, random.pick(&VALUES).bytes()).for_each(drop),
                2 => bytes.truncate(at),
                3 if at < bytes.len() => bytes[at] = random.pick(&SNIPPETS).as_bytes()[0],
                _ => {
                    let end = (at + random.below(8)).min(bytes.len());
                    bytes.drain(at..end);
                }
            }
        }
        String::from_utf8(bytes).ok()
    }

    #[test]
    fn agrees_with_serde_json_on_random_payloads() {
        let mut random = Random(0x9e37_79b9_7f4a_7c15);
        let (mut scanned, mut accepted) = (0, 0);
        for round in 0..60_000 {
            let Some(payload) = (if round % 2 == 0 { Some(generated(&mut random)) } else { mutated(&mut random) })
            else {
                continue;
            };
            let expected = reference(&payload);
            accepted += usize::from(expected.is_some());
            if let Some(view) = scan(&payload) {
                scanned += 1;
                assert_eq!(Some(view), expected, "{payload}");
            }
        }
        // The comparison means something only if both paths accept a fair share of the cases.
        assert!(scanned > 3_000 && scanned * 2 > accepted, "scanned {scanned} of {accepted} accepted payloads");
    }
}
