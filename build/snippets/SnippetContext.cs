// The free variables that documentation snippets use without declaring them (as a reader's own app would have them).
// Each snippet is compiled as the body of a static method of a class deriving from this one, so `image`, `loggerFactory`
// and the others below resolve here. Only the first README snippet is run; these members are never evaluated by it.
// A new free variable in a snippet fails the snippet test with CS0103: add it here, with the type a reader would expect.
using DeepDream.Diagnostics;
using Microsoft.Extensions.Logging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MyApp;

#pragma warning disable IDE1006 // lower-case names: they stand for a reader's local variables
internal abstract class SnippetContext
{
    /// <summary>An image the reader has loaded.</summary>
    protected static Image<Rgb24> image => CompileOnly<Image<Rgb24>>();

    /// <summary>A guide image the reader has loaded.</summary>
    protected static Image<Rgb24> flowers => CompileOnly<Image<Rgb24>>();

    /// <summary>The reader's image paths.</summary>
    protected static string[] files => CompileOnly<string[]>();

    /// <summary>The reader's logging.</summary>
    protected static ILoggerFactory loggerFactory => CompileOnly<ILoggerFactory>();

    /// <summary>The reader's progress sink.</summary>
    protected static IProgress<DreamProgress> progress => CompileOnly<IProgress<DreamProgress>>();

    /// <summary>The reader's cancellation.</summary>
    protected static CancellationToken cancellationToken => CompileOnly<CancellationToken>();

    private static T CompileOnly<T>() => throw new NotSupportedException("this snippet is only compiled, not run");
}
