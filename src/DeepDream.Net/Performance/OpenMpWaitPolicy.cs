using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace DeepDream.Performance;

/// <summary>What <see cref="OpenMpWaitPolicy"/> did when DeepDream.Net was first used.</summary>
internal enum OpenMpSetup
{
    /// <summary>Not Linux: the OpenMP runtimes libtorch ships elsewhere are left as they are.</summary>
    NotLinux,

    /// <summary>The application set <c>OMP_WAIT_POLICY</c> or <c>GOMP_SPINCOUNT</c> itself; its choice is kept.</summary>
    ApplicationChoice,

    /// <summary>The application turned the setting off with the <c>DeepDream.Net.LeaveOpenMpAlone</c> AppContext switch.</summary>
    SwitchedOff,

    /// <summary>An OpenMP runtime was already loaded (TorchSharp was used first), so the setting could no longer take effect.</summary>
    TooLate,

    /// <summary><c>OMP_WAIT_POLICY=PASSIVE</c> and <c>GOMP_SPINCOUNT=1000</c> were set in the native environment before libtorch loaded.</summary>
    Applied,

    /// <summary>The native environment could not be changed (no <c>setenv</c> found, or it failed).</summary>
    Failed,
}

/// <summary>
/// Makes libtorch's OpenMP worker threads wait briefly and then sleep, instead of spinning for milliseconds. GNU OpenMP
/// (libgomp, which libtorch ships on Linux) spins each idle worker for 300,000 iterations (a few milliseconds) before it
/// sleeps, unless it manages more threads than there are CPUs. Under CPU contention the spinning workers take the time
/// slices that the thread doing the work needs, and a dream runs 5–20× slower. <c>OMP_WAIT_POLICY=PASSIVE</c> (sleep at
/// once, understood by every OpenMP runtime) with libgomp's <c>GOMP_SPINCOUNT=1000</c> (spin about 10 µs first, which
/// keeps most of the quiet-machine speed) runs fast loaded or not (benchmarks/results/openmp-wait-policy.md). libgomp
/// reads its settings from the native environment once, when it is loaded, so they are set with the C library's
/// <c>setenv</c> (.NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach the native
/// environment on Unix) as soon as any code of this library runs, which is before TorchSharp loads libtorch unless the
/// application used TorchSharp first. If the application set <c>OMP_WAIT_POLICY</c> or <c>GOMP_SPINCOUNT</c> itself,
/// or turned the AppContext switch <see cref="LeaveAloneSwitch"/> on (in its project file:
/// <c>&lt;RuntimeHostConfigurationOption Include="DeepDream.Net.LeaveOpenMpAlone" Value="true" /&gt;</c>, which the
/// runtime reads before any code runs), nothing is changed. Only on Linux: elsewhere libtorch ships other OpenMP
/// runtimes, not measured here.
/// </summary>
internal static class OpenMpWaitPolicy
{
    /// <summary>The standard OpenMP variable: ACTIVE (spin) or PASSIVE (sleep).</summary>
    internal const string WaitPolicyVariable = "OMP_WAIT_POLICY";

    /// <summary>libgomp's own spin count; an application that sets it has chosen how its threads wait.</summary>
    internal const string SpinCountVariable = "GOMP_SPINCOUNT";

    /// <summary>The AppContext switch with which an application keeps libgomp's own defaults (for example a dedicated machine that wants libgomp's long spinning).</summary>
    internal const string LeaveAloneSwitch = "DeepDream.Net.LeaveOpenMpAlone";

    /// <summary>The wait policy set.</summary>
    internal const string Passive = "PASSIVE";

    /// <summary>The spin count set: libgomp counts about 100,000 spins per millisecond, so about 10 µs.</summary>
    internal const string SpinCount = "1000";

    private static int s_reported;

    /// <summary>What was done when this library was first used.</summary>
    internal static OpenMpSetup Outcome { get; private set; } = OpenMpSetup.NotLinux;

    /// <summary>
    /// Runs once per process when any code of this library is first used, before it can touch TorchSharp. Never throws
    /// (a module initializer that throws would make the whole library unusable).
    /// </summary>
#pragma warning disable CA2255 // A library module initializer is the point: libgomp reads the variable once, when TorchSharp loads it.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        try
        {
            Outcome = Apply();
        }
#pragma warning disable CA1031 // Whatever goes wrong here must only cost speed, never the library.
        catch (Exception)
#pragma warning restore CA1031
        {
            Outcome = OpenMpSetup.Failed;
        }
    }

    /// <summary>
    /// True once per process when the setting could not be applied because TorchSharp had loaded its OpenMP runtime
    /// first (the dreamer then logs how to fix it); false otherwise.
    /// </summary>
    internal static bool ShouldReportTooLate() =>
        Outcome == OpenMpSetup.TooLate && Interlocked.Exchange(ref s_reported, 1) == 0;

    /// <summary>
    /// What to do, from the platform, the application's switch, the native values of the two variables and whether
    /// OpenMP is loaded.
    /// </summary>
    internal static OpenMpSetup Decide(bool isLinux, bool switchedOff, string? waitPolicy, string? spinCount, bool openMpLoaded)
    {
        if (!isLinux) return OpenMpSetup.NotLinux;
        if (switchedOff) return OpenMpSetup.SwitchedOff;
        if (!string.IsNullOrEmpty(waitPolicy) || !string.IsNullOrEmpty(spinCount)) return OpenMpSetup.ApplicationChoice;
        return openMpLoaded ? OpenMpSetup.TooLate : OpenMpSetup.Applied;
    }

    private static OpenMpSetup Apply()
    {
        if (!OperatingSystem.IsLinux()) return OpenMpSetup.NotLinux;
        var switchedOff = AppContext.TryGetSwitch(LeaveAloneSwitch, out var leaveAlone) && leaveAlone;
        var decision = Decide(isLinux: true, switchedOff, NativeEnvironment.Get(WaitPolicyVariable), NativeEnvironment.Get(SpinCountVariable), IsOpenMpLoaded());
        if (decision != OpenMpSetup.Applied) return decision;
        return NativeEnvironment.Set(SpinCountVariable, SpinCount) && NativeEnvironment.Set(WaitPolicyVariable, Passive)
            ? OpenMpSetup.Applied : OpenMpSetup.Failed;
    }

    /// <summary>Whether an OpenMP runtime (GNU, LLVM or Intel) is already mapped into this process.</summary>
    internal static bool IsOpenMpLoaded()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return false;
        return File.ReadLines(maps).Any(line =>
            line.Contains("/libgomp", StringComparison.Ordinal) || line.Contains("/libomp", StringComparison.Ordinal)
            || line.Contains("/libiomp", StringComparison.Ordinal));
    }
}

/// <summary>The C library's environment (what native code such as libgomp reads), as opposed to .NET's copy of it.</summary>
internal static unsafe class NativeEnvironment
{
    private static readonly nint s_getenv = Export("getenv");
    private static readonly nint s_setenv = Export("setenv");

    /// <summary>The native value of <paramref name="name"/>, or null when unset (or not readable on this platform).</summary>
    public static string? Get(string name)
    {
        if (s_getenv == 0) return null;
        var bytes = Terminated(name);
        fixed (byte* p = bytes)
        {
            var value = ((delegate* unmanaged<byte*, byte*>)s_getenv)(p);
            return value == null ? null : Marshal.PtrToStringUTF8((nint)value);
        }
    }

    /// <summary>Sets <paramref name="name"/> in the native environment, overwriting; false when that is not possible.</summary>
    public static bool Set(string name, string value)
    {
        if (s_setenv == 0) return false;
        var n = Terminated(name);
        var v = Terminated(value);
        fixed (byte* pn = n)
        fixed (byte* pv = v)
        {
            return ((delegate* unmanaged<byte*, byte*, int, int>)s_setenv)(pn, pv, 1) == 0;
        }
    }

    private static byte[] Terminated(string s) => Encoding.UTF8.GetBytes(s + "\0");

    // The process's global symbol scope holds the C library's functions on Linux and macOS, whatever its file is called
    // (glibc's libc.so.6, musl's libc.musl-*.so.1).
    private static nint Export(string symbol) =>
        !OperatingSystem.IsWindows() && NativeLibrary.TryGetExport(NativeLibrary.GetMainProgramHandle(), symbol, out var address)
            ? address : 0;
}
