using DeepDream.Sequences;
using TorchSharp;

namespace DeepDream.Diagnostics;

/// <summary>
/// Checks that TorchSharp's native backend (libtorch) loads, before the first model or dreamer is made. The <c>TorchSharp</c>
/// package the library depends on carries no native code: an application must reference a backend package such as
/// <c>TorchSharp-cpu</c>. Without one, the first use of <c>torch</c> throws a <see cref="TypeInitializationException"/> around
/// TorchSharp's loader report (and every later use the same); this turns it into one line that names the package to add.
/// </summary>
internal static class TorchBackend
{
    private static readonly Lazy<Exception?> LoadFailure = new(() =>
    {
        try
        {
            _ = torch.CPU; // runs torch's type initializer, which loads the native backend
            return null;
        }
        catch (TypeInitializationException e)
        {
            return Translate(e) ?? (Exception)e;
        }
    });

    /// <summary>Throws when TorchSharp's native backend cannot be loaded (checked once per process).</summary>
    /// <exception cref="DependencyMissingException">No backend package is referenced: the message names the one to add.</exception>
    /// <exception cref="TypeInitializationException">The backend failed to load otherwise (TorchSharp's own error).</exception>
    public static void EnsureLoaded()
    {
        if (LoadFailure.Value is { } failure) throw failure is DependencyMissingException missing ? new DependencyMissingException(missing.Message, missing.InnerException) : failure;
    }

    /// <summary>
    /// The library's error for TorchSharp's "no backend" failure: a <see cref="TypeInitializationException"/> of
    /// <c>TorchSharp.torch</c> around a <see cref="NotSupportedException"/> ("This application or script uses TorchSharp
    /// but doesn't contain a reference to libtorch-cpu-linux-x64, …"); null for any other exception.
    /// </summary>
    /// <param name="exception">What the first use of <c>torch</c> threw.</param>
    /// <returns>The exception to throw instead (with <paramref name="exception"/> as its cause), or null.</returns>
    internal static DependencyMissingException? Translate(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is not TypeInitializationException { InnerException: NotSupportedException cause } initializer
            || initializer.TypeName != typeof(torch).FullName)
        {
            return null;
        }
        var version = typeof(torch).Assembly.GetName().Version is { } v ? $" {v.Major}.{v.Minor}.{Math.Max(v.Build, 0)}" : "";
        return new DependencyMissingException(
            $"TorchSharp's native backend (libtorch) is missing: {NativeErrors.Summary(cause)} Add the TorchSharp-cpu{version} package to the application " +
            $"(or TorchSharp-cuda-linux / TorchSharp-cuda-windows{version} for an NVIDIA GPU).", exception);
    }
}
