from seqlab.bench import main

main()
