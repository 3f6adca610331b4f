using SixLabors.ImageSharp;
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
/// <para>Both directions move whole planes through one bulk copy and let torch do the arithmetic, so a 4096×4096 image
/// converts in a fraction of a second; no tensor call is made per pixel.</para>
/// </remarks>
public static class ImageTensor
{
    /// <summary>Converts an RGB image into a float32 1×3×H×W tensor with values <c>byte / 255f</c>.</summary>
    /// <param name="image">The image; it is read, not changed.</param>
    /// <param name="device">Where the tensor should live; <see langword="null"/> for the CPU. The 8-bit pixels are moved
    /// first and converted on the device, so only one byte per channel crosses the bus.</param>
    /// <returns>A new tensor the caller owns (it joins the caller's current dispose scope, if any).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    public static Tensor ToTensor(Image<Rgb24> image, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        int width = image.Width, height = image.Height;
        var bytes = new byte[checked((long)width * height * 3)];
        image.CopyPixelDataTo(bytes);

        using var scope = NewDisposeScope();
        var hwc = torch.tensor(bytes, new long[] { height, width, 3 }, dtype: ScalarType.Byte);
        if (device is not null && device.type != DeviceType.CPU) hwc = hwc.to(device);
        var result = hwc.permute(2, 0, 1).unsqueeze(0).to_type(ScalarType.Float32).div_(255f).contiguous();
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Converts an image of any pixel type into a float32 1×3×H×W RGB tensor. The pixels are first converted to
    /// <see cref="Rgb24"/> by ImageSharp (alpha is dropped, wider channels are reduced to 8 bits); use
    /// <see cref="SplitAlpha"/> first to keep the alpha plane.
    /// </summary>
    /// <typeparam name="TPixel">The pixel type.</typeparam>
    /// <param name="image">The image; it is read, not changed.</param>
    /// <param name="device">Where the tensor should live; <see langword="null"/> for the CPU.</param>
    /// <returns>A new tensor the caller owns.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
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
    /// clamped to [0, 1] (NaN counts as 0) and rounded as <c>(byte)Math.Round(v * 255f)</c> (ties to even). The work is
    /// done on the tensor's device; only the final bytes are copied to the CPU.
    /// </summary>
    /// <param name="tensor">The tensor; it is read, not changed or disposed.</param>
    /// <returns>A new image the caller owns.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tensor"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The tensor is not 1×3×H×W or 3×H×W, is empty, or is not a floating-point tensor.</exception>
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

        byte[] bytes;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var chw = shape.Length == 4 ? tensor.detach()[0] : tensor.detach();
            var hwc = chw.to_type(ScalarType.Float32)
                .nan_to_num(0f)
                .clamp(0f, 1f)
                .mul(255f)
                .round()
                .to_type(ScalarType.Byte)
                .permute(1, 2, 0)
                .contiguous();
            if (hwc.device_type != DeviceType.CPU) hwc = hwc.cpu();
            bytes = hwc.data<byte>().ToArray();
        }

        return Image.LoadPixelData<Rgb24>(bytes, (int)width, (int)height);
    }

    /// <summary>Splits an RGBA image into its RGB pixels and its alpha plane, both exact copies of the original values.</summary>
    /// <param name="image">The image with alpha; it is read, not changed.</param>
    /// <returns>The RGB image and the alpha plane (same size); the caller owns and disposes both.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    public static (Image<Rgb24> Rgb, Image<L8> Alpha) SplitAlpha(Image<Rgba32> image)
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
    public static Image<Rgba32> Recombine(Image<Rgb24> rgb, Image<L8> alpha)
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
    public static bool AnyTransparentPixel(Image<Rgba32> image)
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
