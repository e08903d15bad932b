//! Helpers shared by the inventory integration tests.

/// A minimal ELF64 little-endian executable with one extra section `name` holding `data`.
pub fn elf_with_section(name: &str, data: &[u8]) -> Vec<u8> {
    let mut shstrtab = vec![0u8];
    shstrtab.extend_from_slice(name.as_bytes());
    shstrtab.push(0);
    let shstrtab_name = shstrtab.len() as u32;
    shstrtab.extend_from_slice(b".shstrtab\0");
    let data_off = 64u64;
    let strtab_off = data_off + data.len() as u64;
    let sh_off = (strtab_off + shstrtab.len() as u64).div_ceil(8) * 8;

    let mut f = Vec::new();
    f.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    f.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    f.extend_from_slice(&62u16.to_le_bytes()); // EM_X86_64
    f.extend_from_slice(&1u32.to_le_bytes());
    f.extend_from_slice(&0u64.to_le_bytes()); // entry
    f.extend_from_slice(&0u64.to_le_bytes()); // phoff
    f.extend_from_slice(&sh_off.to_le_bytes());
    f.extend_from_slice(&0u32.to_le_bytes()); // flags
    for v in [64u16, 56, 0, 64, 3, 2] {
        f.extend_from_slice(&v.to_le_bytes()); // ehsize, phentsize, phnum, shentsize, shnum, shstrndx
    }
    f.extend_from_slice(data);
    f.extend_from_slice(&shstrtab);
    f.resize(sh_off as usize, 0);
    let section = |f: &mut Vec<u8>, name: u32, ty: u32, off: u64, size: u64| {
        f.extend_from_slice(&name.to_le_bytes());
        f.extend_from_slice(&ty.to_le_bytes());
        for v in [0u64, 0, off, size] {
            f.extend_from_slice(&v.to_le_bytes()); // flags, addr, offset, size
        }
        f.extend_from_slice(&0u32.to_le_bytes()); // link
        f.extend_from_slice(&0u32.to_le_bytes()); // info
        f.extend_from_slice(&1u64.to_le_bytes()); // addralign
        f.extend_from_slice(&0u64.to_le_bytes()); // entsize
    };
    section(&mut f, 0, 0, 0, 0);
    section(&mut f, 1, 1, data_off, data.len() as u64);
    section(&mut f, shstrtab_name, 3, strtab_off, shstrtab.len() as u64);
    f
}
