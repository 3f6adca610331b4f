using DeepDream;
using DeepDream.Features;
var path = args[0];
using var model = DreamModels.FromOnnx(path, Preprocessing.Raw);
try { Console.WriteLine(model.GetMinimumInputSize([args[1]])); } catch (Exception e) { Console.WriteLine(e.Message); }
if (args.Length > 2) foreach (var l in model.ListLayers(int.Parse(args[2]), int.Parse(args[3]))) Console.WriteLine($"{l.Name} [{string.Join(",", l.Shape)}] {l.FixedInputSize}");
