using System.CommandLine;
using System.Globalization;
using DeepDream.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace DeepDream.Cli;

/// <summary>The validated <c>--image-size --original-colors --init</c> values of <c>deepdream dream</c>.</summary>
/// <param name="ImageSize">The longer side the input is resized to (null: as it is).</param>
/// <param name="OriginalColors">Whether the output keeps the input's colours (dream luminance only).</param>
/// <param name="NoiseInit">Whether the dream starts from seeded noise instead of the input's pixels.</param>
internal sealed record InputValues(int? ImageSize, bool OriginalColors, bool NoiseInit)
{
    /// <summary>The input as it is.</summary>
    public static InputValues None { get; } = new(null, false, false);

    /// <summary>The settings for a batch manifest (a change is noticed on resume).</summary>
    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["image-size"] = ImageSize?.ToString(CultureInfo.InvariantCulture) ?? "",
        ["original-colors"] = OriginalColors ? "true" : "false",
        ["init"] = NoiseInit ? "noise" : "image",
    };

    /// <summary>The input resized to <see cref="ImageSize"/>; <see cref="PreparedInput.Start"/> gives the picture the dream starts from.</summary>
    public PreparedInput Prepare(LoadedImage input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (width, height) = TargetSize(input.Width, input.Height);
        var resized = width != input.Width || height != input.Height;
        Image<Rgb24>? rgb = null;
        Image<L8>? alpha = null;
        try
        {
            rgb = resized ? input.Rgb.Clone(c => c.Resize(width, height, KnownResamplers.Lanczos3)) : null;
            alpha = resized && input.Alpha is not null ? input.Alpha.Clone(c => c.Resize(width, height, KnownResamplers.Bicubic)) : null;
            return new PreparedInput(rgb ?? input.Rgb, alpha ?? input.Alpha, NoiseInit, [rgb, alpha]);
        }
        catch
        {
            rgb?.Dispose();
            alpha?.Dispose();
            throw;
        }
    }

    /// <summary>The size the input is dreamed at: the longer side <see cref="ImageSize"/>, the aspect ratio kept.</summary>
    internal (int Width, int Height) TargetSize(int width, int height)
    {
        if (ImageSize is not { } side) return (width, height);
        var scale = (double)side / Math.Max(width, height);
        return (Math.Max(1, (int)Math.Round(width * scale)), Math.Max(1, (int)Math.Round(height * scale)));
    }

    /// <summary>The image to write: the dream, or its luminance on the input's colours with --original-colors.</summary>
    /// <returns>A new image the caller owns, or null when <paramref name="dreamed"/> is written as it is.</returns>
    public Image<Rgb24>? Finish(Image<Rgb24> dreamed, PreparedInput prepared) =>
        OriginalColors ? ImageColors.KeepOriginalColors(dreamed, prepared.Original) : null;

    /// <inheritdoc />
    public override string ToString() => string.Join("; ", Settings.Select(p => $"{p.Key} {p.Value}"));
}

/// <summary>The input as it will be dreamed; disposes only the images it made.</summary>
internal sealed class PreparedInput(Image<Rgb24> original, Image<L8>? alpha, bool noiseInit, IReadOnlyList<IDisposable?> owned) : IDisposable
{
    private Image<Rgb24>? _noise;

    /// <summary>The input at the dream's size (its colours for --original-colors, the source for --channels strongest:K).</summary>
    public Image<Rgb24> Original => original;

    /// <summary>The alpha plane at the dream's size, when the input has one.</summary>
    public Image<L8>? Alpha => alpha;

    /// <summary>The picture the dream starts from: the input, or noise from <paramref name="seed"/> with --init noise.</summary>
    public Image<Rgb24> Start(int seed)
    {
        if (!noiseInit) return original;
        _noise?.Dispose();
        _noise = NoiseImage.Create(original.Width, original.Height, seed);
        return _noise;
    }

    public void Dispose()
    {
        foreach (var d in owned) d?.Dispose();
        _noise?.Dispose();
    }
}

/// <summary><c>--image-size N --original-colors --init image|noise</c> as System.CommandLine options.</summary>
internal sealed class InputOptions
{
    public Option<int?> ImageSize { get; } = new("--image-size")
    {
        Description = "Resize the input so its longer side is this many pixels (aspect ratio kept) before dreaming.",
        HelpName = "PX",
    };

    public Option<bool> OriginalColors { get; } = new("--original-colors") { Description = "Keep the input's colours: the dream changes only the brightness." };

    public Option<string?> Init { get; } = new("--init")
    {
        Description = "What the dream starts from: image (default, the input) or noise (random pixels from the seed, at the input's size).",
        HelpName = "image|noise",
    };

    /// <summary>The options, in help order.</summary>
    public IEnumerable<Option> All => [ImageSize, OriginalColors, Init];

    /// <summary>Reads and validates the values.</summary>
    /// <exception cref="UsageException">A value is out of range or unknown.</exception>
    public InputValues Read(ParseResult result) => Validate(result.GetValue(ImageSize), result.GetValue(OriginalColors), result.GetValue(Init));

    /// <summary>Checks every value; throws <see cref="UsageException"/> (exit 2).</summary>
    internal static InputValues Validate(int? imageSize, bool originalColors, string? init)
    {
        if (imageSize is < 16 or > 16384) throw new UsageException($"--image-size must be between 16 and 16384 pixels, got {imageSize}.");
        var noise = init?.Trim().ToLowerInvariant() switch
        {
            null or "image" => false,
            "noise" or "random" => true,
            _ => throw new UsageException($"--init expects image or noise, got '{init}'."),
        };
        return new InputValues(imageSize, originalColors, noise);
    }
}
