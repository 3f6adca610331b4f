using System.Diagnostics;
using DeepDream.Features;
using DeepDream.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Gallery;

/// <summary>What tiles render with: the sample folder, one shared embedded ResNet18, seed 1, encoders, the CLI.</summary>
internal sealed class GalleryContext : IDisposable
{
    private readonly Lazy<IFeatureExtractor> _resNet18 = new(() => DreamModels.ResNet18());
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public GalleryContext(string samples) => Samples = samples;

    /// <summary>The folder of the sample photos (samples/images).</summary>
    public string Samples { get; }

    /// <summary>The embedded ResNet18, loaded once and shared by every tile.</summary>
    public IFeatureExtractor ResNet18 => _resNet18.Value;

    /// <summary>A sample photo, upright (EXIF-aware, as ImageLoader reads every input).</summary>
    public Image<Rgb24> Load(string name)
    {
        using var loaded = ImageLoader.Load(Path.Combine(Samples, name));
        return loaded.Rgb.Clone();
    }

    /// <summary>Dreams with the shared ResNet18 and seed 1 unless <paramref name="configure"/> says otherwise.</summary>
    public Image<Rgb24> Dream(Image<Rgb24> input, Func<DreamBuilder, DreamBuilder> configure)
    {
        using var dreamer = configure(new DreamBuilder().UseModel(ResNet18, ownsModel: false).Seed(1)).Build();
        return dreamer.Run(input);
    }

    /// <summary>Writes a picture; the extension picks the format (.jpg quality 85, .png, .gif with all frames).</summary>
    public async Task SaveAsync(Image image, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var extension = Path.GetExtension(path).ToLowerInvariant();
        await using var stream = File.Create(path);
        switch (extension)
        {
            case ".jpg" or ".jpeg": await image.SaveAsJpegAsync(stream, new JpegEncoder { Quality = 85 }).ConfigureAwait(false); break;
            case ".png": await image.SaveAsPngAsync(stream, new PngEncoder()).ConfigureAwait(false); break;
            case ".gif": await image.SaveAsGifAsync(stream, new GifEncoder()).ConfigureAwait(false); break;
            default: throw new ArgumentException($"unsupported gallery file type '{extension}' ({path})", nameof(path));
        }
    }

    /// <summary>Runs <c>deepdream ARGUMENTS -o OUTPUT</c> in-process through the real CLI; throws with its stderr on failure.</summary>
    public async Task RunCliAsync(string arguments, string output)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        var args = SplitArguments(arguments).Concat(["-o", output, "--quiet"]).ToArray();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await DeepDream.Cli.Program.RunAsync(args, stdout, stderr, CancellationToken.None).ConfigureAwait(false);
        if (code != 0) throw new InvalidOperationException($"deepdream {arguments} exited {code}: {stderr}");
    }

    /// <summary>Seconds since the generator started, for its progress lines.</summary>
    public double Seconds => _clock.Elapsed.TotalSeconds;

    /// <summary>Splits a command line on spaces, keeping "double-quoted parts" together.</summary>
    internal static IEnumerable<string> SplitArguments(string line)
    {
        var current = new System.Text.StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in line)
        {
            if (c == '"') { quoted = !quoted; any = true; }
            else if (c == ' ' && !quoted)
            {
                if (any) yield return current.ToString();
                current.Clear();
                any = false;
            }
            else { current.Append(c); any = true; }
        }
        if (any) yield return current.ToString();
    }

    public void Dispose()
    {
        if (_resNet18.IsValueCreated) _resNet18.Value.Dispose();
    }
}
