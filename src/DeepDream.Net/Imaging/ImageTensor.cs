using System.Globalization;
using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Imaging;

/// <summary>
/// Converts between ImageSharp images and TorchSharp tensors, and splits/recombines an alpha plane so that transparency
/// passes through a dream untouched.
/// </summary>
/// <remarks>
/// <para>Tensor convention: float32, shape 1×3×H×W, channels in RGB order, values in [0, 1].</para>
/// <para>Image → tensor: every byte <c>v</c> becomes exactly <c>v / 255f</c> (IEEE single division, correctly rounded).</para>
/// <para>Tensor → image: each value is clamped to [0, 1] (NaN becomes 0), multiplied by 255 in single precision and
/// rounded to the nearest integer with ties to even, i.e. <c>(byte)Math.Round(v * 255f)</c> with the default
/// <see cref="MidpointRounding.ToEven"/>: 0.5 → 127.5 → 128. Every byte survives image → tensor → image exactly.</para>
/// <para>Both directions run one pass over the pixels, row by row (rows in parallel for large images), reading or writing
/// the tensor's CPU memory directly; no tensor call is made per pixel.</para>
/// </remarks>
public static class ImageTensor
{
    /// <summary>Exactly <c>v / 255f</c> for every byte value.</summary>
    private static readonly float[] ByteToUnit = Enumerable.Range(0, 256).Select(v => v / 255f).ToArray();

    /// <summary>Converts an RGB image into a float32 1×3×H×W tensor with values <c>byte / 255f</c>.</summary>
    /// <param name="image">The image; it is read, not changed.</param>
    /// <param name="device">Where the tensor should live; <see langword="null"/> for the CPU. For another device the
    /// 8-bit pixels are moved first and converted there through a 256-entry lookup table (exactly <c>v / 255f</c>, whatever
    /// the device's division does), so only one byte per channel crosses the bus.</param>
    /// <returns>A new tensor the caller owns (it joins the caller's current dispose scope, if any).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">On the CPU: the image has more than <see cref="MaxConvertiblePixels"/> pixels.</exception>
    public static Tensor ToTensor(Image<Rgb24> image, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        int width = image.Width, height = image.Height;
        var frame = image.Frames.RootFrame;

        if (device is not null && device.type != DeviceType.CPU) return ToTensorOnDevice(image, device);

        // CPU: one pass over the pixels, writing each row straight into the three planes of the tensor's memory.
        CheckPlaneSize(width, height);
        var result = empty(new long[] { 1, 3, height, width }, ScalarType.Float32);
        using (NewDisposeScope())
        {
            var planeR = result[0, 0];
            var planeG = result[0, 1];
            var planeB = result[0, 2];
            ForEachRowBlock(height, width, (from, to) =>
            {
                var r = MemoryMarshal.Cast<byte, float>(planeR.bytes);
                var g = MemoryMarshal.Cast<byte, float>(planeG.bytes);
                var b = MemoryMarshal.Cast<byte, float>(planeB.bytes);
                var lut = ByteToUnit;
                for (int y = from; y < to; y++)
                {
                    var row = frame.DangerousGetPixelRowMemory(y).Span;
                    int offset = y * width;
                    for (int x = 0; x < row.Length; x++)
                    {
                        var p = row[x];
                        r[offset + x] = lut[p.R];
                        g[offset + x] = lut[p.G];
                        b[offset + x] = lut[p.B];
                    }
                }
            });
        }

        return result;
    }

    /// <summary>The non-CPU path of <see cref="ToTensor(Image{Rgb24}, Device?)"/>; internal so tests can run it on the CPU.</summary>
    internal static Tensor ToTensorOnDevice(Image<Rgb24> image, Device device)
    {
        var bytes = new byte[checked((long)image.Width * image.Height * 3)];
        image.CopyPixelDataTo(bytes);
        using var scope = NewDisposeScope();
        var hwc = torch.tensor(bytes, new long[] { image.Height, image.Width, 3 }, dtype: ScalarType.Byte).to(device);
        var lut = torch.tensor(ByteToUnit, new long[] { 256 }, dtype: ScalarType.Float32).to(device);
        var indices = hwc.permute(2, 0, 1).unsqueeze(0).to_type(ScalarType.Int64);
        var onDevice = take(lut, indices).contiguous();
        return onDevice.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Converts an image of any pixel type into a float32 1×3×H×W RGB tensor. The pixels are first converted to
    /// <see cref="Rgb24"/> by ImageSharp (alpha is dropped, wider channels are reduced to 8 bits); to keep the alpha plane,
    /// load files with <see cref="ImageLoader"/> (which splits it off) or dream with <c>Dreamer.Run&lt;TPixel&gt;</c>.
    /// </summary>
    /// <typeparam name="TPixel">The pixel type.</typeparam>
    /// <param name="image">The image; it is read, not changed.</param>
    /// <param name="device">Where the tensor should live; <see langword="null"/> for the CPU.</param>
    /// <returns>A new tensor the caller owns.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">On the CPU: the image has more than <see cref="MaxConvertiblePixels"/> pixels.</exception>
    public static Tensor ToTensor<TPixel>(Image<TPixel> image, Device? device = null)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image is Image<Rgb24> rgb) return ToTensor(rgb, device);
        using var converted = image.CloneAs<Rgb24>();
        return ToTensor(converted, device);
    }

    /// <summary>
    /// Converts a 1×3×H×W or 3×H×W RGB tensor (any device, any floating type) into an 8-bit RGB image. Values are
    /// clamped to [0, 1] (NaN counts as 0) and rounded as <c>(byte)Math.Round(v * 255f)</c> (ties to even). A float32
    /// CPU tensor is read in place in one pass; a tensor on another device is quantised to bytes there, and only those
    /// bytes are copied to the CPU, at the end.
    /// </summary>
    /// <param name="tensor">The tensor; it is read, not changed or disposed.</param>
    /// <returns>A new image the caller owns.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tensor"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The tensor is not 1×3×H×W or 3×H×W, is empty, is not a floating-point tensor, or
    /// (on the CPU) has more than <see cref="MaxConvertiblePixels"/> pixels.</exception>
    public static Image<Rgb24> ToImage(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var shape = tensor.shape;
        bool ok = (shape.Length == 4 && shape[0] == 1 && shape[1] == 3) || (shape.Length == 3 && shape[0] == 3);
        if (!ok)
        {
            throw new ArgumentException(
                $"Expected an RGB tensor of shape 1×3×H×W or 3×H×W, got [{string.Join("×", shape)}].", nameof(tensor));
        }

        long height = shape[^2], width = shape[^1];
        if (height < 1 || width < 1 || height > int.MaxValue || width > int.MaxValue)
        {
            throw new ArgumentException($"Tensor of shape [{string.Join("×", shape)}] has no pixels or is too large for an image.", nameof(tensor));
        }

        if (!tensor.is_floating_point())
        {
            throw new ArgumentException($"Expected a floating-point tensor with values in [0, 1], got {tensor.dtype}.", nameof(tensor));
        }

        int w = (int)width, h = (int)height;
        if (tensor.device_type == DeviceType.CPU) CheckPlaneSize(w, h);
        var image = new Image<Rgb24>(w, h);
        try
        {
            Fill(tensor, shape, image, w, h);
            return image;
        }
        catch
        {
            image.Dispose(); // never leak the pooled pixel buffer of an image the caller will not receive
            throw;
        }
    }

    private static void Fill(Tensor tensor, long[] shape, Image<Rgb24> image, int w, int h)
    {
        var frame = image.Frames.RootFrame;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var chw = (shape.Length == 4 ? tensor[0] : tensor).detach();

        if (chw.device_type == DeviceType.CPU)
        {
            var planes = chw.to_type(ScalarType.Float32).contiguous();
            var planeR = planes[0];
            var planeG = planes[1];
            var planeB = planes[2];
            ForEachRowBlock(h, w, (from, to) =>
            {
                var r = MemoryMarshal.Cast<byte, float>(planeR.bytes);
                var g = MemoryMarshal.Cast<byte, float>(planeG.bytes);
                var b = MemoryMarshal.Cast<byte, float>(planeB.bytes);
                for (int y = from; y < to; y++)
                {
                    var row = frame.DangerousGetPixelRowMemory(y).Span;
                    int offset = y * w;
                    for (int x = 0; x < row.Length; x++)
                    {
                        row[x] = new Rgb24(Quantize(r[offset + x]), Quantize(g[offset + x]), Quantize(b[offset + x]));
                    }
                }
            });
        }
        else
        {
            FillFromDevice(chw, image);
        }
    }

    /// <summary>
    /// The non-CPU path of <see cref="ToImage"/>: the same arithmetic as <see cref="Quantize"/> on the tensor's device
    /// (multiplication by 255 in float32, then torch.round, which also rounds ties to even), then only the bytes are copied
    /// to the CPU. Internal so tests can run it on the CPU and compare it with the CPU path.
    /// </summary>
    internal static void FillFromDevice(Tensor chw, Image<Rgb24> image)
    {
        int w = image.Width, h = image.Height;
        var frame = image.Frames.RootFrame;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var bytes = chw.detach().to_type(ScalarType.Float32, copy: true)
            .nan_to_num_(0f)
            .clamp_(0f, 1f)
            .mul_(255f)
            .round_()
            .to_type(ScalarType.Byte)
            .contiguous()
            .cpu();
        var planeR = bytes[0];
        var planeG = bytes[1];
        var planeB = bytes[2];
        ForEachRowBlock(h, w, (from, to) =>
        {
            var r = planeR.bytes;
            var g = planeG.bytes;
            var b = planeB.bytes;
            for (int y = from; y < to; y++)
            {
                var row = frame.DangerousGetPixelRowMemory(y).Span;
                int offset = y * w;
                for (int x = 0; x < row.Length; x++) row[x] = new Rgb24(r[offset + x], g[offset + x], b[offset + x]);
            }
        });
    }

    /// <summary><c>(byte)Math.Round(clamp(v, 0, 1) * 255f)</c> with ties to even; NaN gives 0.</summary>
    internal static byte Quantize(float v)
    {
        if (!(v > 0f)) return 0; // also NaN
        if (v >= 1f) return 255;
        return (byte)MathF.Round(v * 255f, MidpointRounding.ToEven);
    }

    /// <summary>The largest image (in pixels) the CPU conversions handle: one float32 channel plane must stay under 2 GiB
    /// (536,870,911 pixels, e.g. 23000×23000).</summary>
    public const long MaxConvertiblePixels = int.MaxValue / sizeof(float);

    private static void CheckPlaneSize(long width, long height)
    {
        if (width * height > MaxConvertiblePixels)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture,
                    $"A {width}×{height} image is too large to convert on the CPU: at most {MaxConvertiblePixels:N0} pixels (one float channel plane must stay under 2 GiB)."));
        }
    }

    /// <summary>Runs <paramref name="body"/> over blocks of rows, in parallel when the image is large enough to pay off.</summary>
    private static void ForEachRowBlock(int height, int width, Action<int, int> body)
    {
        long pixels = (long)height * width;
        if (pixels < 1 << 18 || Environment.ProcessorCount == 1)
        {
            body(0, height);
            return;
        }

        int blockRows = Math.Max(1, (int)Math.Min(height, (1 << 16) / Math.Max(1, width) + 1));
        int blocks = (height + blockRows - 1) / blockRows;
        Parallel.For(0, blocks, i => body(i * blockRows, Math.Min(height, (i + 1) * blockRows)));
    }

    /// <summary>Splits an RGBA image into its RGB pixels and its alpha plane, both exact copies of the original values.</summary>
    /// <param name="image">The image with alpha; it is read, not changed.</param>
    /// <returns>The RGB image and the alpha plane (same size); the caller owns and disposes both.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    internal static (Image<Rgb24> Rgb, Image<L8> Alpha) SplitAlpha(Image<Rgba32> image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var rgb = new Image<Rgb24>(image.Width, image.Height);
        var alpha = new Image<L8>(image.Width, image.Height);
        image.ProcessPixelRows(rgb, alpha, static (source, rgbRows, alphaRows) =>
        {
            for (int y = 0; y < source.Height; y++)
            {
                var src = source.GetRowSpan(y);
                var dstRgb = rgbRows.GetRowSpan(y);
                var dstAlpha = alphaRows.GetRowSpan(y);
                for (int x = 0; x < src.Length; x++)
                {
                    var p = src[x];
                    dstRgb[x] = new Rgb24(p.R, p.G, p.B);
                    dstAlpha[x] = new L8(p.A);
                }
            }
        });
        return (rgb, alpha);
    }

    /// <summary>Puts an alpha plane back onto RGB pixels: the result's alpha equals <paramref name="alpha"/> exactly.</summary>
    /// <param name="rgb">The (dreamed) RGB image; it is read, not changed.</param>
    /// <param name="alpha">The alpha plane, usually from <see cref="SplitAlpha"/>; it must have the same size as <paramref name="rgb"/>.</param>
    /// <returns>A new RGBA image the caller owns.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The two images differ in size (resize the alpha plane to the RGB size first).</exception>
    internal static Image<Rgba32> Recombine(Image<Rgb24> rgb, Image<L8> alpha)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        ArgumentNullException.ThrowIfNull(alpha);
        if (rgb.Width != alpha.Width || rgb.Height != alpha.Height)
        {
            throw new ArgumentException(
                $"The alpha plane is {alpha.Width}×{alpha.Height} but the RGB image is {rgb.Width}×{rgb.Height}; resize the alpha plane to the RGB size first.",
                nameof(alpha));
        }

        var result = new Image<Rgba32>(rgb.Width, rgb.Height);
        result.ProcessPixelRows(rgb, alpha, static (target, rgbRows, alphaRows) =>
        {
            for (int y = 0; y < target.Height; y++)
            {
                var dst = target.GetRowSpan(y);
                var srcRgb = rgbRows.GetRowSpan(y);
                var srcAlpha = alphaRows.GetRowSpan(y);
                for (int x = 0; x < dst.Length; x++)
                {
                    var p = srcRgb[x];
                    dst[x] = new Rgba32(p.R, p.G, p.B, srcAlpha[x].PackedValue);
                }
            }
        });
        return result;
    }

    /// <summary>Whether any pixel of the image is not fully opaque (alpha below 255).</summary>
    /// <param name="image">The image.</param>
    /// <returns><see langword="true"/> when at least one pixel has alpha below 255.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    internal static bool AnyTransparentPixel(Image<Rgba32> image)
    {
        ArgumentNullException.ThrowIfNull(image);
        bool found = false;
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height && !found; y++)
            {
                foreach (var p in rows.GetRowSpan(y))
                {
                    if (p.A != 255)
                    {
                        found = true;
                        break;
                    }
                }
            }
        });
        return found;
    }
}
