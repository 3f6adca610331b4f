using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;

namespace DeepDream.Tests.Foundation;

/// <summary>The library's messages are the library's: they never tell users about the CLI's options or commands.</summary>
public sealed partial class LibraryMessagesTests
{
    [GeneratedRegex(@"(^|[\s'(`])--[a-z]")]
    private static partial Regex CliOption();

    [Fact]
    public void NoStringInTheLibrary_NamesACliOptionOrCommand()
    {
        // Every string literal compiled into DeepDream.Net.dll (the #US heap), interpolated messages' parts included.
        using var stream = File.OpenRead(typeof(DreamBuilder).Assembly.Location);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var strings = new List<string>();
        for (var handle = MetadataTokens.UserStringHandle(1); !handle.IsNil; handle = reader.GetNextHandle(handle))
            strings.Add(reader.GetUserString(handle));
        Assert.Contains(strings, s => s.Contains("has no default dream layer", StringComparison.Ordinal)); // the heap was read
        Assert.DoesNotContain(strings, s => CliOption().IsMatch(s) || s.Contains("deepdream ", StringComparison.Ordinal));
    }
}
