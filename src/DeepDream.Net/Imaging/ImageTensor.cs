using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Imaging;

/// <summary>Conversions between ImageSharp images and float32 N×3×H×W RGB tensors in [0,1].</summary>
public static class ImageTensor
{
    /// <summary>Converts an RGB image to a 1×3×H×W float32 tensor with values <c>byte / 255</c>.</summary>
    /// <param name="image">The image; not modified.</param>
    /// <param name="device">Where to create the tensor (CPU when null).</param>
    public static Tensor ToTensor(Image<Rgb24> image, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        int w = image.Width, h = image.Height, plane = w * h;
        var data = new float[3 * plane];
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < h; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < w; x++)
                {
                    var i = y * w + x;
                    data[i] = row[x].R / 255f;
                    data[plane + i] = row[x].G / 255f;
                    data[2 * plane + i] = row[x].B / 255f;
                }
            }
        });
        var t = torch.tensor(data, new long[] { 1, 3, h, w });
        return device is null || device.type == DeviceType.CPU ? t : t.to(device);
    }

    /// <summary>Converts a 1×3×H×W or 3×H×W tensor in [0,1] to an RGB image (clamped, rounded to nearest).</summary>
    /// <param name="tensor">The tensor; not modified.</param>
    public static Image<Rgb24> ToImage(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var scope = NewDisposeScope();
        var t = tensor.dim() == 4 ? tensor[0] : tensor;
        int h = (int)t.shape[1], w = (int)t.shape[2], plane = w * h;
        var bytes = t.detach().clamp(0, 1).mul(255).round().to(ScalarType.Byte).cpu().contiguous().data<byte>().ToArray();
        var image = new Image<Rgb24>(w, h);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < h; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < w; x++)
                {
                    var i = y * w + x;
                    row[x] = new Rgb24(bytes[i], bytes[plane + i], bytes[2 * plane + i]);
                }
            }
        });
        return image;
    }
}
