using DeepDream.Tests.TestSupport;
using Microsoft.Extensions.Logging;

namespace DeepDream.Tests.Engine;

public sealed class LoggingTests
{
    [Fact]
    public void Run_EmitsStableEvents_WithSettingsAndSeed()
    {
        var sink = new ListLoggerFactory();
        using var model = new TinyExtractor();
        using var dreamer = new DreamBuilder().UseModel(model, ownsModel: false).Layer("conv2").Octaves(2).Steps(1)
            .UseLoggerFactory(sink).Build();
        using var input = TestImages.Noise(30, 20);
        using var result = dreamer.Dream(input);

        Assert.Equal([6, 1, 3, 4, 3, 4, 2], sink.Events.Select(e => e.Id.Id));
        Assert.Equal("SeedChosen", sink.Events[0].Id.Name);
        Assert.Contains($"seed {result.Seed}", sink.Events[1].Message);
        Assert.Contains("Dreaming 30×20 with tiny, objective L2(conv2): octaves 2 × 1.4, steps 1 of ", sink.Events[1].Message);
    }

    [Fact]
    public void RunStarted_WithOneOctaveAndOneStep_ReadsWithoutAWrongPlural()
    {
        var sink = new ListLoggerFactory();
        using var model = new TinyExtractor();
        using var dreamer = new DreamBuilder().UseModel(model, ownsModel: false).Layer("conv2").Octaves(1).Steps(1).Seed(2)
            .UseLoggerFactory(sink).Build();
        using var input = TestImages.Noise(30, 20);
        using var result = dreamer.Dream(input);
        var started = Assert.Single(sink.Events, e => e.Id.Id == 1).Message;
        Assert.Contains(": octaves 1 × 1.4, steps 1 of 0.0045 per octave, jitter 32, seed 2,", started);
        Assert.DoesNotContain("1 octaves", started);
        Assert.DoesNotContain("1 steps", started);
    }

    [Fact]
    public void OpenMpStartedFirst_IsAWarning()
    {
        var sink = new ListLoggerFactory();
        DeepDream.Diagnostics.Log.OpenMpStartedFirst(sink.CreateLogger("test"));
        var logged = Assert.Single(sink.Events);
        Assert.Equal((9, "OpenMpStartedFirst", LogLevel.Warning), (logged.Id.Id, logged.Id.Name, logged.Level));
    }

    [Fact]
    public void TooManyOctaves_AreLimited_AndLogged()
    {
        var sink = new ListLoggerFactory();
        using var model = new TinyExtractor(); // conv2 needs at least 2 px
        using var dreamer = new DreamBuilder().UseModel(model, ownsModel: false).Layer("conv2").Octaves(10).OctaveScale(2)
            .Steps(1).Seed(1).UseLoggerFactory(sink).Build();
        using var input = TestImages.Noise(16, 8);
        using var result = dreamer.Dream(input);
        Assert.Equal(3, result.Octaves.Count); // 16×8 → 8×4 → 4×2 → (2×1 is below the minimum)
        var limited = Assert.Single(sink.Events, e => e.Id.Id == 5);
        Assert.Equal(LogLevel.Warning, limited.Level);
        Assert.Contains("Using 3 of 10 octaves", limited.Message);
    }

    internal sealed record Entry(EventId Id, LogLevel Level, string Message);

    internal sealed class ListLoggerFactory : ILoggerFactory, ILoggerProvider, ILogger
    {
        public List<Entry> Events { get; } = [];

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider) { }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Events) Events.Add(new Entry(eventId, logLevel, formatter(state, exception)));
        }

        public void Dispose() { }
    }
}
