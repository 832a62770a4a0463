import ArgumentParser
print("enhance")
