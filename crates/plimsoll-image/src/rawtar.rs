//! A tar writer that writes exactly what it is told, for hostile-layer tests: size fields that
//! disagree with the data, PAX records with any bytes, GNU long names, duplicate entries. The
//! `tar` crate's builder refuses or normalises most of these.

/// One header block's fields.
#[derive(Clone, Debug)]
pub struct RawHeader {
    /// Up to 100 bytes; longer names are cut.
    pub name: Vec<u8>,
    pub typeflag: u8,
    /// The size field; `None` writes the data's length.
    pub size: Option<u64>,
    pub linkname: Vec<u8>,
    pub mode: u32,
    /// USTAR magic (`ustar\0` `00`) rather than GNU (`ustar ` ` \0`).
    pub ustar: bool,
    /// USTAR prefix (up to 155 bytes).
    pub prefix: Vec<u8>,
}

impl RawHeader {
    pub fn new(name: &[u8], typeflag: u8) -> Self {
        RawHeader {
            name: name.to_vec(),
            typeflag,
            size: None,
            linkname: Vec::new(),
            mode: 0o644,
            ustar: true,
            prefix: Vec::new(),
        }
    }
}

/// Builds an uncompressed tar byte by byte.
#[derive(Default)]
pub struct RawTar {
    buf: Vec<u8>,
}

fn octal(field: &mut [u8], v: u64) {
    let s = format!("{v:0width$o}", width = field.len() - 1);
    field[..s.len()].copy_from_slice(s.as_bytes());
    field[s.len()..].fill(0);
}

impl RawTar {
    pub fn new() -> Self {
        RawTar::default()
    }

    /// A header block followed by `data` padded to a block.
    pub fn entry(&mut self, h: &RawHeader, data: &[u8]) -> &mut Self {
        let mut b = [0u8; 512];
        let n = h.name.len().min(100);
        b[..n].copy_from_slice(&h.name[..n]);
        octal(&mut b[100..108], u64::from(h.mode));
        octal(&mut b[108..116], 0);
        octal(&mut b[116..124], 0);
        octal(&mut b[124..136], h.size.unwrap_or(data.len() as u64));
        octal(&mut b[136..148], 1_700_000_000);
        b[156] = h.typeflag;
        let n = h.linkname.len().min(100);
        b[157..157 + n].copy_from_slice(&h.linkname[..n]);
        if h.ustar {
            b[257..263].copy_from_slice(b"ustar\0");
            b[263..265].copy_from_slice(b"00");
            let n = h.prefix.len().min(155);
            b[345..345 + n].copy_from_slice(&h.prefix[..n]);
        } else {
            b[257..263].copy_from_slice(b"ustar ");
            b[263..265].copy_from_slice(b" \0");
        }
        octal(&mut b[329..337], 0);
        octal(&mut b[337..345], 0);
        b[148..156].fill(b' ');
        let sum: u32 = b.iter().map(|&c| u32::from(c)).sum();
        let s = format!("{sum:06o}\0 ");
        b[148..156].copy_from_slice(s.as_bytes());
        self.buf.extend_from_slice(&b);
        self.buf.extend_from_slice(data);
        self.buf.resize(self.buf.len().div_ceil(512) * 512, 0);
        self
    }

    /// A plain regular file.
    pub fn file(&mut self, name: &str, data: &[u8]) -> &mut Self {
        self.entry(&RawHeader::new(name.as_bytes(), b'0'), data)
    }

    /// A local PAX header (`x`) with correctly length-prefixed records.
    pub fn pax(&mut self, records: &[(&str, &[u8])]) -> &mut Self {
        let mut data = Vec::new();
        for (k, v) in records {
            data.extend_from_slice(&pax_record(k.as_bytes(), v));
        }
        self.entry(&RawHeader::new(b"PaxHeaders/x", b'x'), &data)
    }

    /// A PAX header with the given record bytes verbatim.
    pub fn pax_raw(&mut self, typeflag: u8, data: &[u8]) -> &mut Self {
        self.entry(&RawHeader::new(b"PaxHeaders/x", typeflag), data)
    }

    /// A GNU long name (`L`) or long link (`K`) record.
    pub fn gnu_long(&mut self, typeflag: u8, value: &[u8]) -> &mut Self {
        let mut h = RawHeader::new(b"././@LongLink", typeflag);
        h.ustar = false;
        let mut data = value.to_vec();
        data.push(0);
        self.entry(&h, &data)
    }

    /// Raw bytes (a zero block, garbage).
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(b);
        self
    }

    /// The archive with its two end-of-archive zero blocks.
    pub fn finish(&mut self) -> Vec<u8> {
        let mut out = std::mem::take(&mut self.buf);
        out.extend_from_slice(&[0u8; 1024]);
        out
    }
}

/// `"%d %s=%s\n"` where the length counts the whole record, itself included.
pub fn pax_record(k: &[u8], v: &[u8]) -> Vec<u8> {
    let body = k.len() + v.len() + 3; // ' ', '=', '\n'
    let mut len = body + 1;
    while len != body + len.to_string().len() {
        len = body + len.to_string().len();
    }
    let mut r = format!("{len} ").into_bytes();
    r.extend_from_slice(k);
    r.push(b'=');
    r.extend_from_slice(v);
    r.push(b'\n');
    r
}
