using System.Runtime.Intrinsics.X86;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Performance;

/// <summary>Maps <see cref="Precision"/> to tensor types and tells whether the hardware computes bfloat16 natively.</summary>
internal static class PrecisionSupport
{
    private static readonly Lazy<bool> s_cpuHasBFloat16 = new(DetectCpuBFloat16);

    /// <summary>The tensor type the network computes in.</summary>
    public static ScalarType ScalarType(this Precision precision) => precision switch
    {
        Precision.Float32 => TorchSharp.torch.ScalarType.Float32,
        Precision.BFloat16 => TorchSharp.torch.ScalarType.BFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "Unknown precision; use Float32 or BFloat16."),
    };

    /// <summary>A short name for messages and logs: <c>fp32</c> or <c>bf16</c>.</summary>
    public static string ShortName(this Precision precision) => precision == Precision.BFloat16 ? "bf16" : "fp32";

    /// <summary>
    /// Whether <paramref name="precision"/> runs at full speed on <paramref name="device"/>: always for float32 and
    /// for GPUs; for bfloat16 on the CPU only with AVX512-BF16 or AMX-BF16 (x86) or the BF16 extension (ARM).
    /// </summary>
    public static bool IsNative(Precision precision, Device device) =>
        precision == Precision.Float32 || device.type != DeviceType.CPU || (CpuOverrideForTests ?? s_cpuHasBFloat16.Value);

    /// <summary>Replaces the CPU detection in tests (null: detect).</summary>
    internal static bool? CpuOverrideForTests { get; set; }

    private static bool DetectCpuBFloat16()
    {
        if (X86Base.IsSupported)
        {
            // CPUID leaf 7: sub-leaf 1 EAX bit 5 is AVX512_BF16 (usable only where the OS enabled AVX-512 state),
            // sub-leaf 0 EDX bit 22 is AMX-BF16.
            var (_, _, _, edx0) = X86Base.CpuId(7, 0);
            var (eax1, _, _, _) = X86Base.CpuId(7, 1);
            return (Avx512F.IsSupported && (eax1 & (1 << 5)) != 0) || (edx0 & (1 << 22)) != 0;
        }
        // ARM: the kernel lists the BF16 extension in /proc/cpuinfo; elsewhere we cannot tell and assume none.
        const string cpuInfo = "/proc/cpuinfo";
        if (!File.Exists(cpuInfo)) return false;
        try
        {
            return File.ReadLines(cpuInfo)
                .Where(l => l.StartsWith("Features", StringComparison.Ordinal) || l.StartsWith("flags", StringComparison.Ordinal))
                .Any(l => l.Split(' ', ':', '\t').Contains("bf16", StringComparer.Ordinal));
        }
        catch (IOException)
        {
            return false;
        }
    }
}
