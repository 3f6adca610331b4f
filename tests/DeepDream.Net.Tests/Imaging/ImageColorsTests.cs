using DeepDream.Imaging;
using DeepDream.Tests.TestSupport;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Tests.Imaging;

public sealed class ImageColorsTests
{
    private static Image<Rgb24> Filled(int width, int height, Rgb24 pixel)
    {
        var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                image[x, y] = pixel;
        return image;
    }

    [Fact]
    public void KeepOriginalColors_TakesLumaFromTheDreamAndChromaFromTheOriginal()
    {
        using var dreamed = Filled(3, 2, new Rgb24(120, 130, 140)); // Y = 128.15
        using var original = Filled(3, 2, new Rgb24(150, 100, 80)); // Cb − 128 = −18.4368, Cr − 128 = 26.62624
        using var result = ImageColors.KeepOriginalColors(dreamed, original);
        // R = Y + 1.402 Cr = 165.48, G = Y − 0.344136 Cb − 0.714136 Cr = 115.48, B = Y + 1.772 Cb = 95.48.
        Assert.Equal(new Rgb24(165, 115, 95), result[2, 1]);
        Assert.Equal((3, 2), (result.Width, result.Height));
    }

    [Fact]
    public void KeepOriginalColors_GrayOriginal_GivesTheDreamsLumaAsGray_AndSameImagesStayPut()
    {
        using var dreamed = Filled(2, 2, new Rgb24(10, 20, 30)); // Y = 18.15
        using var gray = Filled(2, 2, new Rgb24(77, 77, 77));
        using var result = ImageColors.KeepOriginalColors(dreamed, gray);
        Assert.Equal(new Rgb24(18, 18, 18), result[0, 0]);

        using var photo = TestImages.Noise(16, 12, seed: 3);
        using var same = ImageColors.KeepOriginalColors(photo, photo);
        var a = TestImages.Bytes(photo);
        var b = TestImages.Bytes(same);
        Assert.True(a.Zip(b).All(p => Math.Abs(p.First - p.Second) <= 1)); // round trip through YCbCr: at most rounding
    }

    [Fact]
    public void KeepOriginalColors_DifferentSizes_Throws()
    {
        using var a = new Image<Rgb24>(4, 3);
        using var b = new Image<Rgb24>(3, 4);
        var e = Assert.Throws<ArgumentException>(() => ImageColors.KeepOriginalColors(a, b));
        Assert.StartsWith("The images must be the same size: the dream is 4×3, the original 3×4.", e.Message);
    }

    [Fact]
    public void Noise_IsUniformAndSeeded()
    {
        using var a = NoiseImage.Create(64, 48, seed: 5);
        using var b = NoiseImage.Create(64, 48, seed: 5);
        using var c = NoiseImage.Create(64, 48, seed: 6);
        Assert.Equal((64, 48), (a.Width, a.Height));
        Assert.Equal(TestImages.Bytes(a), TestImages.Bytes(b));
        Assert.NotEqual(TestImages.Bytes(a), TestImages.Bytes(c));
        var bytes = TestImages.Bytes(a);
        Assert.InRange(bytes.Average(v => (double)v), 122, 133); // 127.5 ± 5 σ of the mean
        Assert.True(bytes.Count(v => v < 32) > 800 && bytes.Count(v => v > 223) > 800); // both ends are reached (expected 1152 each)
        Assert.Throws<ArgumentOutOfRangeException>(() => NoiseImage.Create(0, 4, 1));
    }
}
