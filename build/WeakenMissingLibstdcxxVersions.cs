// MSBuild task (compiled by RoslynCodeTaskFactory from build/TorchNative.targets; also compiled into the tests).
//
// Why: TorchSharp 0.107's libLibTorchSharp.so was linked against GCC 13's libstdc++ and so requires the symbol
// version GLIBCXX_3.4.32, which Debian 12 (GCC 12) lacks; the dynamic loader then refuses the library. The only
// symbol bound to that version is _ZSt21ios_base_library_initv, a link-time marker that nothing relocates against.
// Marking the version requirement weak (Elf64_Vernaux.vna_flags |= VER_FLG_WEAK) lets the loader accept the library
// without it. We do this only for required libstdc++ versions the system library really lacks, only when every
// symbol bound to them is such a marker, and only in the copies the build writes (never the NuGet cache).
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class WeakenMissingLibstdcxxVersions : Microsoft.Build.Utilities.Task
{
    /// <summary>Shared libraries to check and, where needed, patch in place.</summary>
    [Required] public ITaskItem[] Libraries { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The system libstdc++ to compare against; found automatically when empty.</summary>
    public string SystemLibstdcxx { get; set; } = "";

    public override bool Execute()
    {
        var system = string.IsNullOrEmpty(SystemLibstdcxx) ? ElfVersions.FindSystemLibstdcxx() : SystemLibstdcxx;
        if (system == null)
        {
            Log.LogWarning("Workbench: no system libstdc++.so.6 found; TorchSharp's native library was left as shipped.");
            return true;
        }
        var provided = ElfVersions.DefinedVersions(system);
        foreach (var item in Libraries)
        {
            var path = item.ItemSpec;
            if (!File.Exists(path)) continue;
            var result = ElfVersions.WeakenMissing(path, "libstdc++.so.6", provided);
            foreach (var v in result.Weakened)
                Log.LogMessage(MessageImportance.High, $"Workbench: {system} lacks {v}; marked it weak in {path}");
            foreach (var v in result.Unfixable)
                Log.LogWarning($"Workbench: {path} needs {v}, which {system} lacks, and real symbols use it: "
                    + "it will not load here. Use a system with GCC 13's libstdc++ (Ubuntu 24.04, Debian 13).");
        }
        return true;
    }
}

/// <summary>Just enough of ELF64 (little-endian) to read symbol-version definitions and requirements.</summary>
public static class ElfVersions
{
    const uint ShtDynsym = 11, ShtVerdef = 0x6ffffffd, ShtVerneed = 0x6ffffffe, ShtVersym = 0x6fffffff;
    const ushort VerFlgWeak = 0x2;

    /// <summary>Symbols that only mark a link-time dependency (no relocation uses them), safe to leave unresolved.</summary>
    public static readonly HashSet<string> LinkTimeMarkers = new() { "_ZSt21ios_base_library_initv" };

    // Plain classes, not records: MSBuild compiles this file for netstandard2.0.
    public sealed class Outcome
    {
        public Outcome(List<string> weakened, List<string> alreadyWeak, List<string> unfixable)
        {
            Weakened = weakened; AlreadyWeak = alreadyWeak; Unfixable = unfixable;
        }
        public List<string> Weakened { get; }
        public List<string> AlreadyWeak { get; }
        public List<string> Unfixable { get; }
    }

    public static string? FindSystemLibstdcxx()
    {
        string[] dirs = { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
                          "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib" };
        foreach (var d in dirs)
        {
            var p = Path.Combine(d, "libstdc++.so.6");
            if (File.Exists(p)) return p;
        }
        return null;
    }

    /// <summary>Version names a shared library defines (its .gnu.version_d), e.g. GLIBCXX_3.4.30.</summary>
    public static HashSet<string> DefinedVersions(string path)
    {
        var elf = File.ReadAllBytes(path);
        var names = new HashSet<string>();
        foreach (var sh in Sections(elf).Where(s => s.Type == ShtVerdef))
        {
            var strtab = Sections(elf)[(int)sh.Link];
            long off = (long)sh.Offset;
            while (true)
            {
                ushort cnt = U16(elf, off + 6);
                uint aux = U32(elf, off + 12), next = U32(elf, off + 16);
                if (cnt > 0) names.Add(Str(elf, (long)strtab.Offset + U32(elf, off + aux)));
                if (next == 0) break;
                off += next;
            }
        }
        return names;
    }

    /// <summary>Versions of <paramref name="fromFile"/> that <paramref name="path"/> requires (its .gnu.version_r).</summary>
    public static List<(string Name, ushort Index, bool Weak, long FlagsOffset)> RequiredVersions(byte[] elf, string fromFile)
    {
        var list = new List<(string, ushort, bool, long)>();
        var sections = Sections(elf);
        foreach (var sh in sections.Where(s => s.Type == ShtVerneed))
        {
            var strtab = sections[(int)sh.Link];
            long off = (long)sh.Offset;
            while (true)
            {
                ushort cnt = U16(elf, off + 2);
                string file = Str(elf, (long)strtab.Offset + U32(elf, off + 4));
                uint aux = U32(elf, off + 8), next = U32(elf, off + 12);
                long a = off + aux;
                for (int i = 0; i < cnt; i++)
                {
                    ushort flags = U16(elf, a + 4), index = U16(elf, a + 6);
                    string name = Str(elf, (long)strtab.Offset + U32(elf, a + 8));
                    if (file == fromFile) list.Add((name, index, (flags & VerFlgWeak) != 0, a + 4));
                    uint anext = U32(elf, a + 12);
                    if (anext == 0) break;
                    a += anext;
                }
                if (next == 0) break;
                off += next;
            }
        }
        return list;
    }

    /// <summary>Names of the dynamic symbols bound to a version index.</summary>
    public static List<string> SymbolsBoundTo(byte[] elf, ushort versionIndex)
    {
        var sections = Sections(elf);
        var dynsym = sections.First(s => s.Type == ShtDynsym);
        var versym = sections.First(s => s.Type == ShtVersym);
        var strtab = sections[(int)dynsym.Link];
        long count = (long)(dynsym.Size / 24);
        var names = new List<string>();
        for (long i = 0; i < count; i++)
        {
            ushort v = (ushort)(U16(elf, (long)versym.Offset + 2 * i) & 0x7fff);
            if (v == versionIndex) names.Add(Str(elf, (long)strtab.Offset + U32(elf, (long)dynsym.Offset + 24 * i)));
        }
        return names;
    }

    /// <summary>Marks weak each version of <paramref name="fromFile"/> that the library requires, the system lacks,
    /// and only link-time markers use. Idempotent; writes two bytes per weakened version, nothing else.</summary>
    public static Outcome WeakenMissing(string path, string fromFile, ISet<string> provided)
    {
        var elf = File.ReadAllBytes(path);
        var weakened = new List<string>();
        var already = new List<string>();
        var unfixable = new List<string>();
        var patches = new List<(long Offset, ushort Flags)>();
        foreach (var (name, index, weak, flagsOffset) in RequiredVersions(elf, fromFile))
        {
            if (provided.Contains(name)) continue;
            if (weak) { already.Add(name); continue; }
            var users = SymbolsBoundTo(elf, index);
            if (users.All(LinkTimeMarkers.Contains))
            {
                patches.Add((flagsOffset, (ushort)(U16(elf, flagsOffset) | VerFlgWeak)));
                weakened.Add(name);
            }
            else unfixable.Add(name);
        }
        if (patches.Count > 0)
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Write);
            foreach (var (offset, flags) in patches)
            {
                fs.Position = offset;
                fs.Write(new[] { (byte)(flags & 0xff), (byte)(flags >> 8) }, 0, 2);
            }
        }
        return new Outcome(weakened, already, unfixable);
    }

    sealed class Section
    {
        public Section(uint type, ulong offset, ulong size, uint link) { Type = type; Offset = offset; Size = size; Link = link; }
        public uint Type { get; }
        public ulong Offset { get; }
        public ulong Size { get; }
        public uint Link { get; }
    }

    static List<Section> Sections(byte[] elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F'
            || elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("not a 64-bit little-endian ELF file");
        ulong shoff = U64(elf, 40);
        ushort shentsize = U16(elf, 58), shnum = U16(elf, 60);
        var list = new List<Section>(shnum);
        for (int i = 0; i < shnum; i++)
        {
            long s = (long)shoff + i * shentsize;
            list.Add(new Section(U32(elf, s + 4), U64(elf, s + 24), U64(elf, s + 32), U32(elf, s + 40)));
        }
        return list;
    }

    static ushort U16(byte[] b, long o) => BitConverter.ToUInt16(b, (int)o);
    static uint U32(byte[] b, long o) => BitConverter.ToUInt32(b, (int)o);
    static ulong U64(byte[] b, long o) => BitConverter.ToUInt64(b, (int)o);

    static string Str(byte[] b, long o)
    {
        int end = (int)o;
        while (b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, (int)o, end - (int)o);
    }
}
