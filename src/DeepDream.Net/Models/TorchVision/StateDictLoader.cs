using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Models.TorchVision;

/// <summary>
/// Reads PyTorch weight files (<c>torch.save(model.state_dict())</c> <c>.pth</c>/<c>.pt</c> files, or <c>.safetensors</c>)
/// and copies them into a module after checking, key by key, that they fit — before any value is read.
/// </summary>
internal static class StateDictLoader
{
    private const int ShownKeys = 5;

    /// <summary>Loads <paramref name="path"/> into <paramref name="module"/> strictly.</summary>
    /// <param name="module">The network to fill.</param>
    /// <param name="path">The weight file.</param>
    /// <param name="description">What the module is (for messages), such as <c>resnet18</c>.</param>
    /// <param name="optionalPrefixes">Prefixes of module keys the file may lack.</param>
    /// <param name="ignoredPrefixes">Prefixes of file keys the module has no place for, skipped silently.</param>
    /// <exception cref="ModelLoadException">The file is missing, unreadable or does not fit the module.</exception>
    public static void Load(nn.Module module, string path, string description, IReadOnlyList<string> optionalPrefixes, IReadOnlyList<string> ignoredPrefixes)
    {
        var full = Path.GetFullPath(path);
        using var file = Open(full);
        // Keys and shapes are compared before any value is read: a file can make the loader read no more than the
        // network's own parameters.
        var source = file.Tensors;
        var target = module.state_dict();
        StripPrefix(source, "module."); // nn.DataParallel checkpoints
        foreach (var key in source.Keys.Where(k => ignoredPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToArray()) source.Remove(key);

        var missing = target.Keys.Where(k => !source.ContainsKey(k) && !optionalPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList();
        var unexpected = source.Keys.Where(k => !target.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var mismatched = target.Keys
            .Where(k => source.TryGetValue(k, out var s) && !s.Shape.SequenceEqual(target[k].shape))
            .Select(k => $"{k} (file {StoredTensor.Describe(source[k].Shape)}, {description} [{string.Join(", ", target[k].shape)}])")
            .ToList();
        if (missing.Count + unexpected.Count + mismatched.Count > 0)
        {
            var parts = new List<string>();
            if (missing.Count > 0) parts.Add($"{missing.Count} missing key(s): {Show(missing)}");
            if (unexpected.Count > 0) parts.Add($"{unexpected.Count} unexpected key(s): {Show(unexpected)}");
            if (mismatched.Count > 0) parts.Add($"{mismatched.Count} shape mismatch(es): {Show(mismatched)}");
            throw new ModelLoadException(
                $"Weight file '{full}' does not fit {description}: {string.Join("; ", parts)}. " +
                "Check that the file was saved from the same architecture (and class count) with torch.save(model.state_dict(), path).");
        }

        using var noGrad = torch.no_grad();
        foreach (var (key, stored) in source)
        {
            try
            {
                using var value = file.Read(stored);
                target[key].copy_(value); // converts dtype and device
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                throw new ModelLoadException($"Weight file '{full}' could not be read: {e.Message}.", e);
            }
        }
    }

    private static string Show(List<string> keys) =>
        string.Join(", ", keys.Take(ShownKeys).Select(k => k.Length > 200 ? k[..200] + "…" : k)) + (keys.Count > ShownKeys ? $", … ({keys.Count - ShownKeys} more)" : "");

    private static void StripPrefix(Dictionary<string, StoredTensor> source, string prefix)
    {
        if (source.Count == 0 || !source.Keys.All(k => k.StartsWith(prefix, StringComparison.Ordinal))) return;
        foreach (var key in source.Keys.ToArray())
        {
            var value = source[key];
            source.Remove(key);
            source[key[prefix.Length..]] = value;
        }
    }

    /// <summary>Indexes the file (sizes checked, nothing read yet); every problem becomes a <see cref="ModelLoadException"/>.</summary>
    private static IWeightFile Open(string path)
    {
        if (Directory.Exists(path)) throw new ModelLoadException($"'{path}' is a folder, not a weight file.");
        if (!File.Exists(path)) throw new ModelLoadException($"Weight file '{path}' does not exist.");
        var safetensors = path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);
        IWeightFile? file = null;
        try
        {
            // Pipes, FIFOs and devices (also behind a link) report size 0 and are never opened: weights need a regular file.
            if (SourceFiles.Length(path) == 0)
                throw new ModelLoadException($"Weight file '{path}' is empty (0 bytes), or is a pipe or device rather than a regular file.");
            file = safetensors ? SafetensorsFile.Open(path) : PyTorchArchive.Open(path);
            if (file.Tensors.Count == 0) throw new InvalidDataException("it holds no tensors");
            return file;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            file?.Dispose();
            var kind = safetensors ? "a safetensors file" : "a PyTorch state dict (a zip archive written by torch.save(model.state_dict(), path))";
            var why = ex is InvalidDataException ? ex.Message : $"{ex.GetType().Name}: {Diagnostics.NativeErrors.Summary(ex)}";
            throw new ModelLoadException($"Weight file '{path}' could not be read as {kind}: {why}. The file may be truncated, corrupted or in another format.", ex);
        }
    }
}
