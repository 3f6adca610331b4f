using System.Runtime.CompilerServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Gallery;

/// <summary>
/// The ways to declare a tile. Each one shows exactly what it runs: <see cref="Dream"/> captures the builder lambda's
/// source text with <see cref="CallerArgumentExpressionAttribute"/>, <see cref="Command"/> runs the very arguments it
/// shows through the real CLI in-process.
/// </summary>
internal static class Tiles
{
    /// <summary>
    /// A dream of <paramref name="input"/> (a file under samples/images, loaded with ImageLoader) with the embedded ResNet18
    /// and seed 1, configured by <paramref name="configure"/>. Shown as
    /// <c>new DreamBuilder()…​.Seed(1).Run(image)</c> with the lambda's body.
    /// </summary>
    /// <remarks><paramref name="prepare"/>, when given, changes the loaded image first (a resize, say); its source text is
    /// shown before the chain.</remarks>
    public static Tile Dream(string file, string label, string input, Func<DreamBuilder, DreamBuilder> configure,
        Action<Image<Rgb24>>? prepare = null,
        [CallerArgumentExpression(nameof(configure))] string code = "",
        [CallerArgumentExpression(nameof(prepare))] string prepareCode = "") =>
        new(file, label, new TileSource(Statement(prepare is null ? null : prepareCode) + BuilderChain(code), TileSourceKind.Code), async (context, path) =>
        {
            using var image = context.Load(input);
            prepare?.Invoke(image);
            using var dream = context.Dream(image, configure);
            await context.SaveAsync(dream, path).ConfigureAwait(false);
        });

    /// <summary>
    /// Any picture made by code, shown with <paramref name="code"/> (the C# that made it, or what it shows).
    /// </summary>
    public static Tile Picture(string file, string label, string code, TileSourceKind kind, Func<GalleryContext, Image> render) =>
        new(file, label, new TileSource(code, kind), async (context, path) =>
        {
            using var image = render(context);
            await context.SaveAsync(image, path).ConfigureAwait(false);
        });

    /// <summary>An input photo from samples/images as it is.</summary>
    public static Tile Input(string file, string label, string input) =>
        Picture(file, label, $"samples/images/{input}", TileSourceKind.Text, context => context.Load(input));

    /// <summary>
    /// A <c>deepdream</c> command run in-process through the real CLI: <paramref name="arguments"/> are shown and run as
    /// written, with <c>-o FILE</c> appended (FILE being this tile's file, written straight into the gallery folder).
    /// Paths in the arguments are relative to the repository root.
    /// </summary>
    public static Tile Command(string file, string label, string arguments) =>
        new(file, label, new TileSource($"deepdream {arguments} -o {file}", TileSourceKind.Command),
            (context, path) => context.RunCliAsync(arguments, path));

    /// <summary>Turns a captured <c>image =&gt; image.Mutate(…)</c> into the statement <c>image.Mutate(…); </c>.</summary>
    internal static string Statement(string? lambda)
    {
        if (lambda is null) return "";
        var text = string.Join(" ", lambda.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        var arrow = text.IndexOf("=>", StringComparison.Ordinal);
        var parameter = arrow < 0 ? "" : text[..arrow].Trim();
        var body = arrow < 0 ? text : text[(arrow + 2)..].Trim();
        return (parameter == "image" ? body : text) + "; ";
    }

    /// <summary>Turns a captured lambda <c>b =&gt; b.Layer("layer1")</c> into <c>new DreamBuilder().Layer("layer1").Seed(1).Run(image)</c>.</summary>
    internal static string BuilderChain(string lambda)
    {
        var text = string.Join(" ", lambda.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        var arrow = text.IndexOf("=>", StringComparison.Ordinal);
        if (arrow < 0) return text;
        var parameter = text[..arrow].Trim();
        var body = text[(arrow + 2)..].Trim();
        if (body == parameter) body = "";
        else if (body.StartsWith(parameter + ".", StringComparison.Ordinal)) body = body[parameter.Length..];
        else return text;
        body = body.Replace(" .", ".", StringComparison.Ordinal);
        return $"new DreamBuilder(){body}.Seed(1).Run(image)";
    }
}
