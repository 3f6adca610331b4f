using System.Runtime.CompilerServices;

namespace DeepDream.Tests.TestSupport;

/// <summary>
/// Runs DeepDream.Net's module initializer before any test can touch TorchSharp, as an application that uses the library
/// first does: libtorch's OpenMP threads then wait as the library sets them (see OpenMpWaitPolicy), whichever test
/// happens to run first, and no dreamer logs the one-off OpenMpStartedFirst event into a test that counts events.
/// </summary>
internal static class LibraryFirst
{
#pragma warning disable CA2255 // The point: it must run before any test code touches TorchSharp.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize() => RuntimeHelpers.RunModuleConstructor(typeof(DreamBuilder).Module.ModuleHandle);
}
