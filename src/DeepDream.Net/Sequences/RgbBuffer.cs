using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Sequences;

/// <summary>
/// An RGB image as interleaved floats in 0..255 (row-major, 3 per pixel), for the sequences' pixel arithmetic:
/// bilinear resampling with mirrored borders (zoom, flow warp) and blending.
/// </summary>
internal sealed class RgbBuffer
{
    public RgbBuffer(int width, int height)
    {
        Width = width;
        Height = height;
        Data = new float[checked(width * height * 3)];
    }

    public int Width { get; }

    public int Height { get; }

    public float[] Data { get; }

    public static RgbBuffer From(Image<Rgb24> image)
    {
        var buffer = new RgbBuffer(image.Width, image.Height);
        var bytes = BytesOf(image);
        for (var i = 0; i < bytes.Length; i++) buffer.Data[i] = bytes[i];
        return buffer;
    }

    /// <summary><paramref name="minuend"/> − <paramref name="subtrahend"/> per channel (images of one size).</summary>
    public static RgbBuffer Difference(Image<Rgb24> minuend, Image<Rgb24> subtrahend)
    {
        var buffer = new RgbBuffer(minuend.Width, minuend.Height);
        var a = BytesOf(minuend);
        var b = BytesOf(subtrahend);
        for (var i = 0; i < a.Length; i++) buffer.Data[i] = a[i] - b[i];
        return buffer;
    }

    /// <summary>The image's pixels as interleaved bytes (R, G, B per pixel, row-major).</summary>
    public static byte[] BytesOf(Image<Rgb24> image)
    {
        var bytes = new byte[checked(image.Width * image.Height * 3)];
        image.CopyPixelDataTo(bytes);
        return bytes;
    }

    /// <summary>A value rounded to the nearest byte (halves away from zero) and clamped to 0..255.</summary>
    public static byte ToByte(double value) => (byte)Math.Clamp(Math.Round(value, MidpointRounding.AwayFromZero), 0, 255);

    /// <summary>Mirrors an index into 0..n-1 (the edge pixel repeats: ..., 1, 0, 0, 1, ... and ..., n-2, n-1, n-1, n-2, ...).</summary>
    public static int Reflect(int i, int n)
    {
        var period = 2 * n;
        var m = i % period;
        if (m < 0) m += period;
        return m < n ? m : period - 1 - m;
    }

    /// <summary>
    /// Bilinear sample at pixel coordinates (<paramref name="u"/>, <paramref name="v"/>), where pixel (i, j) has its
    /// centre at (i, j); positions outside the image read the mirrored image.
    /// </summary>
    public void Sample(double u, double v, Span<double> rgb)
    {
        var x0 = (int)Math.Floor(u);
        var y0 = (int)Math.Floor(v);
        var fx = u - x0;
        var fy = v - y0;
        int xa, xb, ya, yb;
        if ((uint)x0 < (uint)(Width - 1) && (uint)y0 < (uint)(Height - 1))
        {
            (xa, xb, ya, yb) = (x0, x0 + 1, y0, y0 + 1); // inside: no mirroring (most samples)
        }
        else
        {
            (xa, xb, ya, yb) = (Reflect(x0, Width), Reflect(x0 + 1, Width), Reflect(y0, Height), Reflect(y0 + 1, Height));
        }
        int p00 = (ya * Width + xa) * 3, p01 = (ya * Width + xb) * 3, p10 = (yb * Width + xa) * 3, p11 = (yb * Width + xb) * 3;
        for (var c = 0; c < 3; c++)
        {
            var top = Data[p00 + c] + fx * (Data[p01 + c] - Data[p00 + c]);
            var bottom = Data[p10 + c] + fx * (Data[p11 + c] - Data[p10 + c]);
            rgb[c] = top + fy * (bottom - top);
        }
    }
}
