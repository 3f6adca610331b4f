using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Imaging;

/// <summary>Starting pictures for dreams that begin from nothing.</summary>
public static class NoiseImage
{
    /// <summary>
    /// A uniform-noise picture to dream from (the random start of Google's notebook and neural-dream's <c>-init random</c>):
    /// every channel of every pixel drawn uniformly from 0–255 by <c>new Random(seed)</c>, row by row, R then G then B.
    /// </summary>
    /// <param name="width">Width in pixels, at least 1.</param>
    /// <param name="height">Height in pixels, at least 1.</param>
    /// <param name="seed">The seed: the same seed gives the same picture.</param>
    /// <returns>A new image the caller owns.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A side is below 1.</exception>
    public static Image<Rgb24> Create(int width, int height, int seed)
    {
        Guard.Positive(width, nameof(width));
        Guard.Positive(height, nameof(height));
        var random = new Random(seed);
        var image = new Image<Rgb24>(width, height);
        var row = new byte[width * 3];
        image.ProcessPixelRows(pixels =>
        {
            for (var y = 0; y < pixels.Height; y++)
            {
                random.NextBytes(row);
                var span = pixels.GetRowSpan(y);
                for (var x = 0; x < span.Length; x++) span[x] = new Rgb24(row[3 * x], row[3 * x + 1], row[3 * x + 2]);
            }
        });
        return image;
    }
}
