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
        var bytes = new byte[buffer.Data.Length];
        image.CopyPixelDataTo(bytes);
        for (var i = 0; i < bytes.Length; i++) buffer.Data[i] = bytes[i];
        return buffer;
    }

    /// <summary>The pixels rounded to the nearest byte (halves away from zero) and clamped to 0..255.</summary>
    public Image<Rgb24> ToImage()
    {
        var bytes = new byte[Data.Length];
        for (var i = 0; i < bytes.Length; i++) bytes[i] = ToByte(Data[i]);
        return Image.LoadPixelData<Rgb24>(bytes, Width, Height);
    }

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
        int xa = Reflect(x0, Width), xb = Reflect(x0 + 1, Width), ya = Reflect(y0, Height), yb = Reflect(y0 + 1, Height);
        int p00 = (ya * Width + xa) * 3, p01 = (ya * Width + xb) * 3, p10 = (yb * Width + xa) * 3, p11 = (yb * Width + xb) * 3;
        for (var c = 0; c < 3; c++)
        {
            var top = Data[p00 + c] + fx * (Data[p01 + c] - Data[p00 + c]);
            var bottom = Data[p10 + c] + fx * (Data[p11 + c] - Data[p10 + c]);
            rgb[c] = top + fy * (bottom - top);
        }
    }
}
