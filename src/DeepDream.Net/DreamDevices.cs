using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream;

/// <summary>
/// Devices by name, with a clear error when CUDA is asked for but cannot be used. Prefer these to <c>torch.CUDA</c> and
/// <c>torch.device("cuda")</c>, which throw TorchSharp's native loader trace (naming no package) on a machine or build
/// without CUDA.
/// </summary>
public static class DreamDevices
{
    /// <summary>Whether TorchSharp can use a CUDA GPU: a CUDA backend package is referenced and a GPU and driver are visible.</summary>
    public static bool IsCudaAvailable => cuda.is_available();

    /// <summary>The device called <paramref name="name"/>: <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c> (case-insensitive).</summary>
    /// <param name="name">The device name.</param>
    /// <returns>The device.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not one of the accepted forms.</exception>
    /// <exception cref="DeepDreamException">The name is a CUDA device and CUDA is not available (the message names the backend packages).</exception>
    /// <exception cref="DependencyMissingException">The application references no TorchSharp backend package (the message names the one to add).</exception>
    public static Device Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Diagnostics.TorchBackend.EnsureLoaded();
        var value = name.Trim().ToLowerInvariant();
        if (value == "cpu") return CPU;
        var isCuda = value == "cuda" || (value.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(value.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out _));
        if (!isCuda) throw new ArgumentException($"Unknown device '{name}'; use cpu, cuda or cuda:N.", nameof(name));
        if (!IsCudaAvailable) throw CudaNotAvailable(value);
        return torch.device(value);
    }

    /// <summary>Throws when TorchSharp has no native backend, or <paramref name="device"/> is a CUDA device and TorchSharp cannot use CUDA.</summary>
    /// <exception cref="DependencyMissingException">No backend package is referenced (the message names the one to add).</exception>
    /// <exception cref="DeepDreamException">CUDA is not available.</exception>
    internal static void EnsureAvailable(Device? device)
    {
        Diagnostics.TorchBackend.EnsureLoaded();
        if (device is null || device.type != DeviceType.CUDA || IsCudaAvailable) return;
        throw CudaNotAvailable(device.ToString());
    }

    private static DeepDreamException CudaNotAvailable(string device) => new(
        $"The device '{device}' was requested but CUDA is not available: reference the TorchSharp-cuda-linux (Linux) or TorchSharp-cuda-windows (Windows) package instead of TorchSharp-cpu, check that an NVIDIA GPU and driver are visible, or use the CPU.");
}
