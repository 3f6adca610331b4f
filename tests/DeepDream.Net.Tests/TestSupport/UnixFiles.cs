using System.Runtime.InteropServices;

namespace DeepDream.Tests.TestSupport;

/// <summary>Special files for hostile-input tests: FIFOs (named pipes). Unix only; callers return early on Windows.</summary>
internal static class UnixFiles
{
    /// <summary>Creates a FIFO at <paramref name="path"/> (mode 0600).</summary>
    public static void MakeFifo(string path)
    {
        if (mkfifo(path, 0x180) != 0) throw new IOException($"mkfifo '{path}' failed (errno {Marshal.GetLastPInvokeError()})");
    }

    /// <summary>A fresh empty folder under the temporary folder.</summary>
    public static string NewFolder(string purpose)
    {
        var dir = Path.Combine(Path.GetTempPath(), "deepdream-" + purpose, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false)]
    private static extern int mkfifo(string path, uint mode);
}
