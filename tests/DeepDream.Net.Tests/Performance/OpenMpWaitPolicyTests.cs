using DeepDream.Performance;
using DeepDream.Tests.Cli;

namespace DeepDream.Tests.Performance;

/// <summary>
/// libtorch's OpenMP threads are told to wait passively after a short spin before libgomp loads, unless the application
/// chose a wait policy itself. libgomp prints the settings it read when <c>OMP_DISPLAY_ENV=VERBOSE</c>: with no
/// setting at all its spin count is 300000, as set by the library 1000, with ACTIVE 30000000000.
/// </summary>
public sealed class OpenMpWaitPolicyTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData(false, false, null, null, false, "NotLinux")]
    [InlineData(false, false, null, null, true, "NotLinux")]
    [InlineData(false, true, null, null, false, "NotLinux")]
    [InlineData(true, false, null, null, false, "Applied")]
    [InlineData(true, false, "", "", false, "Applied")]
    [InlineData(true, false, null, null, true, "TooLate")]
    [InlineData(true, false, "ACTIVE", null, false, "ApplicationChoice")]
    [InlineData(true, false, "passive", null, true, "ApplicationChoice")]
    [InlineData(true, false, null, "300000", false, "ApplicationChoice")]
    [InlineData(true, true, null, null, false, "SwitchedOff")]
    [InlineData(true, true, "ACTIVE", null, false, "SwitchedOff")]
    [InlineData(true, true, null, null, true, "SwitchedOff")]
    public void Decide_KeepsTheApplicationsChoice_AndActsOnlyBeforeOpenMpLoads(bool isLinux, bool switchedOff, string? waitPolicy,
        string? spinCount, bool loaded, string expected) =>
        Assert.Equal(Enum.Parse<OpenMpSetup>(expected), OpenMpWaitPolicy.Decide(isLinux, switchedOff, waitPolicy, spinCount, loaded));

    [Fact]
    public void NativeEnvironment_SetsWhatNativeCodeReads_WhichDotNetsCopyDoesNotSee()
    {
        if (!OperatingSystem.IsLinux()) return;
        var name = "DEEPDREAM_TEST_" + Guid.NewGuid().ToString("N");
        Assert.Null(NativeEnvironment.Get(name));
        Assert.True(NativeEnvironment.Set(name, "x y"));
        Assert.Equal("x y", NativeEnvironment.Get(name));
        // .NET keeps its own copy on Unix: this is why the library calls setenv itself.
        Assert.Null(Environment.GetEnvironmentVariable(name));
    }

    [Fact]
    public void InThisProcess_TheLibraryCameFirst_AndTheOutcomeMatchesTheNativeEnvironment()
    {
        if (!OperatingSystem.IsLinux()) return;
        var value = NativeEnvironment.Get(OpenMpWaitPolicy.WaitPolicyVariable);
        switch (OpenMpWaitPolicy.Outcome)
        {
            case OpenMpSetup.Applied:
                Assert.Equal(OpenMpWaitPolicy.Passive, value);
                Assert.Equal(OpenMpWaitPolicy.SpinCount, NativeEnvironment.Get(OpenMpWaitPolicy.SpinCountVariable));
                break;
            case OpenMpSetup.ApplicationChoice:
                Assert.False(string.IsNullOrEmpty(value) && string.IsNullOrEmpty(NativeEnvironment.Get(OpenMpWaitPolicy.SpinCountVariable))); break;
            default: // TooLate cannot happen here: TestSupport.LibraryFirst runs the library's initializer first.
                Assert.Fail($"unexpected outcome {OpenMpWaitPolicy.Outcome} on Linux");
                break;
        }
    }

    [Fact]
    public async Task AHostApp_WithNoSettingOfItsOwn_GetsPassiveWaitingAfterAShortSpin()
    {
        if (!OperatingSystem.IsLinux()) return;
        var stderr = await DreamWithOpenMpDisplay(waitPolicy: null);
        Assert.Contains("OMP_WAIT_POLICY = 'PASSIVE'", stderr);
        Assert.Contains("GOMP_SPINCOUNT = '1000'", stderr);
    }

    [Fact]
    public async Task AHostApp_ThatChoseActiveWaiting_KeepsIt()
    {
        if (!OperatingSystem.IsLinux()) return;
        var stderr = await DreamWithOpenMpDisplay(waitPolicy: "ACTIVE");
        Assert.Contains("OMP_WAIT_POLICY = 'ACTIVE'", stderr);
        Assert.Contains("GOMP_SPINCOUNT = '30000000000'", stderr);
    }

    [Fact]
    public async Task AHostApp_WithTheLeaveAloneSwitch_KeepsLibgompsDefaults()
    {
        if (!OperatingSystem.IsLinux()) return;
        // The tool's runtimeconfig.json with the switch added, as <RuntimeHostConfigurationOption> in a project file writes it;
        // libgomp then runs with its own default spin count (and no wait policy of ours).
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "deepdream.runtimeconfig.json")))!;
        config["runtimeOptions"]!["configProperties"]![OpenMpWaitPolicy.LeaveAloneSwitch] = true;
        var path = _cli.PathOf("switched.runtimeconfig.json");
        File.WriteAllText(path, config.ToJsonString());
        var stderr = await DreamWithOpenMpDisplay(waitPolicy: null, runtimeConfig: path);
        Assert.Contains("GOMP_SPINCOUNT = '300000'", stderr);
    }

    /// <summary>A one-step dream in a child process (the deepdream tool: it sets nothing about OpenMP itself); returns stderr.</summary>
    private async Task<string> DreamWithOpenMpDisplay(string? waitPolicy, string? runtimeConfig = null)
    {
        var input = _cli.WriteNoise("in.png", 64, 64);
        var environment = new Dictionary<string, string?>
        {
            ["OMP_DISPLAY_ENV"] = "VERBOSE",
            [OpenMpWaitPolicy.WaitPolicyVariable] = waitPolicy,
            [OpenMpWaitPolicy.SpinCountVariable] = null,
        };
        using var process = CliProcess.Start(redirectInput: false, environment, runtimeConfig, [
            "dream", input, "-o", _cli.PathOf("out.png"), "--octaves", "1", "--steps", "1", "--seed", "1"]);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Patience);
        await process.WaitForExitAsync(timeout.Token);
        var text = await stderr;
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {text}{await stdout}");
        Assert.Contains("OPENMP DISPLAY ENVIRONMENT BEGIN", text);
        return text;
    }
}
