using DeepDream.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace DeepDream.Tests.Imaging;

public sealed class ImageTensorTests
{
    private static readonly Rgb24[,] HandMade =
    {
        { new(255, 0, 0), new(0, 255, 0), new(0, 0, 255) },
        { new(1, 128, 254), new(17, 34, 51), new(200, 100, 50) },
    };

    private static Image<Rgb24> MakeHandMade()
    {
        var image = new Image<Rgb24>(3, 2);
        for (int y = 0; y < 2; y++)
        {
            for (int x = 0; x < 3; x++) image[x, y] = HandMade[y, x];
        }

        return image;
    }

    [Fact]
    public void ToTensor_HandMade3x2_GivesShapeAndExactValuesOver255()
    {
        using var scope = NewDisposeScope();
        using var image = MakeHandMade();
        var tensor = ImageTensor.ToTensor(image);
        Assert.Equal(new long[] { 1, 3, 2, 3 }, tensor.shape);
        Assert.Equal(ScalarType.Float32, tensor.dtype);
        var values = tensor.data<float>().ToArray();
        for (int y = 0; y < 2; y++)
        {
            for (int x = 0; x < 3; x++)
            {
                var p = HandMade[y, x];
                Assert.Equal(p.R / 255f, values[(0 * 2 + y) * 3 + x]);
                Assert.Equal(p.G / 255f, values[(1 * 2 + y) * 3 + x]);
                Assert.Equal(p.B / 255f, values[(2 * 2 + y) * 3 + x]);
            }
        }
    }

    [Fact]
    public void ToTensor_PureRedPixel_IsChannelOrderRgb()
    {
        using var scope = NewDisposeScope();
        using var image = new Image<Rgb24>(1, 1);
        image[0, 0] = new Rgb24(255, 0, 0);
        var values = ImageTensor.ToTensor(image).data<float>().ToArray();
        Assert.Equal(new[] { 1f, 0f, 0f }, values);
    }

    [Fact]
    public void RoundTrip_HandMade3x2_IsExact()
    {
        using var scope = NewDisposeScope();
        using var image = MakeHandMade();
        using var back = ImageTensor.ToImage(ImageTensor.ToTensor(image));
        Assert.Equal(3, back.Width);
        Assert.Equal(2, back.Height);
        for (int y = 0; y < 2; y++)
        {
            for (int x = 0; x < 3; x++) Assert.Equal(HandMade[y, x], back[x, y]);
        }

        // And image → tensor → image → tensor gives identical tensors.
        var first = ImageTensor.ToTensor(image);
        var second = ImageTensor.ToTensor(back);
        Assert.Equal(first.data<float>().ToArray(), second.data<float>().ToArray());
    }

    [Fact]
    public void RoundTrip_All256ByteValues_AreExact()
    {
        using var scope = NewDisposeScope();
        using var image = new Image<Rgb24>(256, 1);
        for (int v = 0; v < 256; v++) image[v, 0] = new Rgb24((byte)v, (byte)(255 - v), (byte)(v * 7 % 256));
        using var back = ImageTensor.ToImage(ImageTensor.ToTensor(image));
        for (int v = 0; v < 256; v++) Assert.Equal(image[v, 0], back[v, 0]);
    }

    [Fact]
    public void RoundTrip_NoiseLargeEnoughForParallelRows_IsExactAndPlanesAreRgb()
    {
        // 601×503 = 302,303 pixels: above the parallel threshold, with a partial last block of rows.
        using var scope = NewDisposeScope();
        var random = new Random(11);
        using var image = new Image<Rgb24>(601, 503);
        for (int y = 0; y < 503; y++)
        {
            for (int x = 0; x < 601; x++) image[x, y] = new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
        }

        var tensor = ImageTensor.ToTensor(image);
        Assert.Equal(image[600, 502].B / 255f, tensor[0, 2, 502, 600].item<float>());
        Assert.Equal(image[17, 400].G / 255f, tensor[0, 1, 400, 17].item<float>());
        using var back = ImageTensor.ToImage(tensor);
        for (int y = 0; y < 503; y++)
        {
            for (int x = 0; x < 601; x++)
            {
                if (image[x, y] != back[x, y]) Assert.Fail($"pixel ({x},{y}): {image[x, y]} became {back[x, y]}");
            }
        }
    }

    [Fact]
    public void DevicePaths_RunOnCpu_AgreeExactlyWithCpuPaths()
    {
        // The GPU code paths (lookup-table gather; torch quantisation) exercised on the CPU device.
        using var scope = NewDisposeScope();
        using var image = MakeHandMade();
        var viaDevice = ImageTensor.ToTensorOnDevice(image, CPU);
        Assert.Equal(ImageTensor.ToTensor(image).data<float>().ToArray(), viaDevice.data<float>().ToArray());
        Assert.Equal(new long[] { 1, 3, 2, 3 }, viaDevice.shape);

        var random = new Random(5);
        var values = Enumerable.Range(0, 3 * 40 * 50).Select(_ => (float)(random.NextDouble() * 1.2 - 0.1)).ToArray();
        values[0] = float.NaN;
        values[1] = 0.5f;
        values[2] = float.PositiveInfinity;
        values[3] = float.NegativeInfinity;
        for (int k = 0; k < 256; k++) values[10 + k] = (k + 0.5f) / 255f; // near-ties
        var input = tensor(values, new long[] { 3, 40, 50 });
        using var cpu = ImageTensor.ToImage(input);
        using var device = new Image<Rgb24>(50, 40);
        ImageTensor.FillFromDevice(input, device);
        for (int y = 0; y < 40; y++)
        {
            for (int x = 0; x < 50; x++) Assert.Equal(cpu[x, y], device[x, y]);
        }

        Assert.Equal(0, cpu[0, 0].R); // NaN
        Assert.Equal(128, cpu[1, 0].R);
        Assert.Equal(255, cpu[2, 0].R);
        Assert.Equal(0, cpu[3, 0].R);
    }

    [Fact]
    public void ToImage_NonContiguousTensor_IsReadCorrectly()
    {
        using var scope = NewDisposeScope();
        // A 2×1 (H×W) image stored transposed: channel planes taken from a permuted view.
        var hwc = tensor(new float[] { 1f, 0f, 0f, 0f, 0f, 1f }, new long[] { 2, 1, 3 });
        using var image = ImageTensor.ToImage(hwc.permute(2, 0, 1));
        Assert.Equal(new Rgb24(255, 0, 0), image[0, 0]);
        Assert.Equal(new Rgb24(0, 0, 255), image[0, 1]);
    }

    [Fact]
    public void ToImage_RoundsHalfToEvenAndClampsAndZeroesNaN()
    {
        using var scope = NewDisposeScope();
        // One row of 6 pixels; R carries the interesting values, G and B stay 0.
        var red = new[] { 0.5f, -0.3f, 1.7f, float.NaN, 0.2f, 1f / 255f * 3.5f };
        var data = new float[3 * 6];
        Array.Copy(red, data, 6);
        var input = tensor(data, new long[] { 3, 1, 6 });
        using var image = ImageTensor.ToImage(input);
        // 0.5·255 = 127.5 → 128 (ties to even); clamped; NaN → 0; 0.2·255 = 51; 3.5 → 4 (ties to even).
        Assert.Equal(new byte[] { 128, 0, 255, 0, 51, (byte)Math.Round(1f / 255f * 3.5f * 255f) }, Enumerable.Range(0, 6).Select(x => image[x, 0].R).ToArray());
        Assert.Equal((byte)Math.Round(0.5f * 255f), image[0, 0].R);
        Assert.All(Enumerable.Range(0, 6), x => Assert.Equal(0, image[x, 0].G));
    }

    [Fact]
    public void ToImage_DoubleBatchedTensor_IsAccepted()
    {
        using var scope = NewDisposeScope();
        var tensor = full(new long[] { 1, 3, 2, 2 }, 0.25, ScalarType.Float64);
        using var image = ImageTensor.ToImage(tensor);
        Assert.Equal(new Rgb24(64, 64, 64), image[1, 1]); // 63.75 → 64
    }

    [Theory]
    [InlineData(new long[] { 1, 4, 2, 2 })]
    [InlineData(new long[] { 2, 3, 2, 2 })]
    [InlineData(new long[] { 2, 2 })]
    [InlineData(new long[] { 3, 0, 2 })]
    public void ToImage_WrongShape_ThrowsArgumentExceptionNamingShape(long[] shape)
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() => ImageTensor.ToImage(zeros(shape)));
        Assert.Contains(string.Join("×", shape), ex.Message);
    }

    [Fact]
    public void ToImage_IntegerTensor_ThrowsArgumentException()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() => ImageTensor.ToImage(zeros(new long[] { 3, 2, 2 }, ScalarType.Byte)));
        Assert.Contains("floating-point", ex.Message);
    }

    [Fact]
    public void ToTensorGeneric_L8_RepeatsGrayOnAllChannels()
    {
        using var scope = NewDisposeScope();
        using var image = new Image<L8>(2, 1);
        image[0, 0] = new L8(77);
        image[1, 0] = new L8(200);
        var values = ImageTensor.ToTensor(image).data<float>().ToArray();
        Assert.Equal(new[] { 77 / 255f, 200 / 255f, 77 / 255f, 200 / 255f, 77 / 255f, 200 / 255f }, values);
    }

    [Fact]
    public void ToTensorGeneric_Rgba32_DropsAlpha()
    {
        using var scope = NewDisposeScope();
        using var image = new Image<Rgba32>(1, 1);
        image[0, 0] = new Rgba32(10, 20, 30, 0);
        var values = ImageTensor.ToTensor(image).data<float>().ToArray();
        Assert.Equal(new[] { 10 / 255f, 20 / 255f, 30 / 255f }, values);
    }

    [Fact]
    public void SplitAlpha_ThenRecombine_GivesOriginalExactly()
    {
        using var image = new Image<Rgba32>(5, 3);
        byte[] alphas = [0, 1, 127, 128, 254, 255];
        for (int y = 0; y < 3; y++)
        {
            for (int x = 0; x < 5; x++)
            {
                int i = y * 5 + x;
                image[x, y] = new Rgba32((byte)(i * 17), (byte)(255 - i), (byte)(i * 3), alphas[i % alphas.Length]);
            }
        }

        var (rgb, alpha) = ImageTensor.SplitAlpha(image);
        using (rgb)
        using (alpha)
        {
            Assert.Equal(new Rgb24(17 * 7, 255 - 7, 21), rgb[2, 1]);
            Assert.Equal(alphas[7 % alphas.Length], alpha[2, 1].PackedValue);
            using var back = ImageTensor.Recombine(rgb, alpha);
            for (int y = 0; y < 3; y++)
            {
                for (int x = 0; x < 5; x++) Assert.Equal(image[x, y], back[x, y]);
            }
        }
    }

    [Fact]
    public void Recombine_SizeMismatch_ThrowsNamingBothSizes()
    {
        using var rgb = new Image<Rgb24>(4, 3);
        using var alpha = new Image<L8>(3, 4);
        var ex = Assert.Throws<ArgumentException>(() => ImageTensor.Recombine(rgb, alpha));
        Assert.Contains("3×4", ex.Message);
        Assert.Contains("4×3", ex.Message);
    }

    [Fact]
    public void AnyTransparentPixel_DetectsSingleNonOpaquePixel()
    {
        using var image = new Image<Rgba32>(3, 3, new Rgba32(1, 2, 3, 255));
        Assert.False(ImageTensor.AnyTransparentPixel(image));
        image[2, 2] = new Rgba32(1, 2, 3, 254);
        Assert.True(ImageTensor.AnyTransparentPixel(image));
    }
}
