using DeepDream.Sequences;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Tests.Sequences;

public sealed class ZoomTests
{
    /// <summary>A linear ramp (value = 40 + 2x + 3y): bilinear resampling of a linear image is exact, so the zoom can be computed by hand.</summary>
    private static Image<Rgb24> Ramp(int width, int height)
    {
        var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                image[x, y] = new Rgb24((byte)(40 + 2 * x + 3 * y), (byte)(10 + x), (byte)(200 - y));
        return image;
    }

    [Fact]
    public void Apply_ZoomIn_MatchesTheAnalyticZoomAboutTheCentre()
    {
        using var ramp = Ramp(48, 32);
        var motion = new ZoomMotion(1.25);
        using var zoomed = motion.Apply(ramp);
        var exact = 0;
        for (var y = 0; y < 32; y++)
        {
            for (var x = 0; x < 48; x++)
            {
                // Output pixel centre (x + 0.5) maps to 24 + (x + 0.5 - 24) / 1.25 in source pixel-centre coordinates.
                var u = 24 + (x + 0.5 - 24) / 1.25 - 0.5;
                var v = 16 + (y + 0.5 - 16) / 1.25 - 0.5;
                var expected = Math.Round(40 + 2 * u + 3 * v, MidpointRounding.AwayFromZero);
                Assert.InRange(Math.Abs(zoomed[x, y].R - expected), 0, 1);
                Assert.InRange(Math.Abs(zoomed[x, y].B - Math.Round(200 - v, MidpointRounding.AwayFromZero)), 0, 1);
                if (zoomed[x, y].R == expected) exact++;
            }
        }
        Assert.True(exact > 48 * 32 * 99 / 100, $"only {exact} of {48 * 32} pixels exact");
    }

    [Fact]
    public void Apply_IntegerPan_ShiftsExactly_AndMirrorsTheBorder()
    {
        using var ramp = Ramp(20, 10);
        using var panned = new ZoomMotion(1, 0, panX: 3, panY: -2).Apply(ramp);
        for (var y = 0; y < 10; y++)
        {
            for (var x = 0; x < 20; x++)
            {
                var sx = x + 3;
                var sy = y - 2;
                sx = sx > 19 ? 39 - sx : sx; // mirrored: 20 → 19, 21 → 18
                sy = sy < 0 ? -1 - sy : sy;  // mirrored: -1 → 0, -2 → 1
                Assert.Equal(ramp[sx, sy], panned[x, y]);
            }
        }
    }

    [Fact]
    public void Apply_QuarterTurn_RotatesCounterClockwise()
    {
        using var image = new Image<Rgb24>(9, 9);
        image[8, 4] = new Rgb24(255, 0, 0); // right of the centre
        using var turned = new ZoomMotion(1, 90).Apply(image);
        Assert.Equal(new Rgb24(255, 0, 0), turned[4, 0]); // now above the centre
    }

    [Fact]
    public void Constructor_RejectsZoomOutsideRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZoomMotion(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZoomMotion(11));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZoomMotion(1.05, double.NaN));
    }

    [Fact]
    public async Task Run_ZeroStepDreamer_FrameKPlus1_IsTheExactZoomOfFrameK_AndSeedsCountUp()
    {
        using var start = TestSupport.TestImages.Noise(48, 32, seed: 5);
        var dreamer = new IdentityDreamer();
        var motion = new ZoomMotion(1.1, 2, 1, 0);
        var frames = new List<Image<Rgb24>>();
        await foreach (var frame in ZoomSequence.RunAsync(dreamer, start, new ZoomOptions(4, seed: 10) { Motion = motion }))
            frames.Add(frame.Image.Clone());
        Assert.Equal(4, frames.Count);
        Assert.Equal(Tools.Bytes(start), Tools.Bytes(frames[0]));
        for (var k = 0; k + 1 < frames.Count; k++)
        {
            using var expected = motion.Apply(frames[k]);
            Assert.Equal(Tools.Bytes(expected), Tools.Bytes(frames[k + 1]));
            Assert.NotEqual(Tools.Bytes(frames[k]), Tools.Bytes(frames[k + 1]));
        }
        Assert.Equal([10, 11, 12, 13], dreamer.Seeds);
        frames.ForEach(f => f.Dispose());
    }

    [Fact]
    public async Task Run_Resumed_MakesTheSameFramesAsAnUninterruptedRun()
    {
        using var start = TestSupport.TestImages.Noise(40, 30, seed: 2);
        var dreamer = new PatternDreamer(20);
        var all = new List<byte[]>();
        await foreach (var f in ZoomSequence.RunAsync(dreamer, start, new ZoomOptions(5, 1))) all.Add(Tools.Bytes(f.Image));
        using var frame2 = Image.LoadPixelData<Rgb24>(all[2], 40, 30);
        var resumed = new List<(int, byte[])>();
        await foreach (var f in ZoomSequence.RunAsync(dreamer, frame2, new ZoomOptions(5, 1) { StartFrame = 3 })) resumed.Add((f.Index, Tools.Bytes(f.Image)));
        Assert.Equal([3, 4], resumed.Select(r => r.Item1));
        Assert.Equal(all[3], resumed[0].Item2);
        Assert.Equal(all[4], resumed[1].Item2);
    }

    [Fact]
    public async Task Run_Cancelled_StopsBeforeTheNextFrame()
    {
        using var start = TestSupport.TestImages.Noise(16, 16);
        using var cts = new CancellationTokenSource();
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var f in ZoomSequence.RunAsync(new IdentityDreamer(), start, new ZoomOptions(10, 0), null, cts.Token))
            {
                seen++;
                cts.Cancel();
            }
        });
        Assert.Equal(1, seen);
    }
}
