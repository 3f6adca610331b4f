using DeepDream.Diagnostics;
using DeepDream.Sequences;
using TorchSharp;

namespace DeepDream.Tests.Diagnostics;

/// <summary>A missing TorchSharp backend package is reported as one line naming the package to add.</summary>
public sealed class TorchBackendTests
{
    // What TorchSharp 0.107's type initializer throws in an application that references no backend package (first line,
    // then its advice and loader trace).
    private const string NoBackend =
        "This application or script uses TorchSharp but doesn't contain a reference to libtorch-cpu-linux-x64, Version=2.10.0.0.\n\n" +
        "Consider referencing one of the combination packages TorchSharp-cpu, TorchSharp-cuda-linux, TorchSharp-cuda-windows or call " +
        "System.Runtime.InteropServices.NativeLibrary.Load(path-to-LibTorchSharp.so) explicitly for a Python install of pytorch.\n\n" +
        "Trace from LoadNativeBackend:\n    Trying to load native component torch_cpu relative to /app/TorchSharp.dll";

    [Fact]
    public void NoBackendPackage_BecomesDependencyMissing_NamingTheVersionedPackageToAdd()
    {
        var cause = new TypeInitializationException(typeof(torch).FullName, new NotSupportedException(NoBackend));

        DependencyMissingException? translated = TorchBackend.Translate(cause);

        Assert.NotNull(translated);
        Assert.Same(cause, translated.InnerException);
        Assert.Equal(
            "TorchSharp's native backend (libtorch) is missing: This application or script uses TorchSharp but doesn't contain a reference to " +
            "libtorch-cpu-linux-x64, Version=2.10.0.0. Add the TorchSharp-cpu 0.107.0 package to the application " +
            "(or TorchSharp-cuda-linux / TorchSharp-cuda-windows 0.107.0 for an NVIDIA GPU).", translated.Message);
        Assert.IsAssignableFrom<DeepDreamException>(translated);
    }

    [Fact]
    public void OtherFailures_AreNotTakenForAMissingBackend()
    {
        Assert.Null(TorchBackend.Translate(new TypeInitializationException("Somebody.Else", new NotSupportedException(NoBackend))));
        Assert.Null(TorchBackend.Translate(new TypeInitializationException(typeof(torch).FullName, new DllNotFoundException("libgomp.so.1"))));
        Assert.Null(TorchBackend.Translate(new NotSupportedException(NoBackend)));
    }

    [Fact]
    public void WithTheBackendReferenced_BuildingADreamerChecksAndPasses()
    {
        TorchBackend.EnsureLoaded(); // the test project references TorchSharp-cpu
        Assert.True(torch.ones(2).sum().item<float>() == 2f);
    }
}
