using DeepDream;
using DeepDream.Features;
static long Kb(string key) { foreach (var l in File.ReadLines("/proc/self/status")) if (l.StartsWith(key + ":")) return long.Parse(l.Split(':')[1].Trim().Split(' ')[0]); return 0; }
using var model = DreamModels.FromOnnx(args[0], Preprocessing.Raw);
GC.Collect();
Console.WriteLine($"after load: RSS {Kb("VmRSS")/1024} MB, peak {Kb("VmHWM")/1024} MB");
File.WriteAllText("/proc/self/clear_refs", "5");
var before = Kb("VmRSS");
try { Console.WriteLine(model.GetMinimumInputSize([args[1]])); } catch (Exception e) { Console.WriteLine(e.Message[..80]); }
Console.WriteLine($"probe: peak {Kb("VmHWM")/1024} MB (+{(Kb("VmHWM")-before)/1024} MB)");
